package loadgen_test

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/loadgen"
)

func TestCheckTarget(t *testing.T) {
	for _, tc := range []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:4573", true},
		{"http://127.5.6.7", true},
		{"https://127.0.0.1:443", true},
		{"http://[::1]:4573", true},
		{"http://[::ffff:127.0.0.1]:4573", true},
		{"http://localhost:4573", true},
		{"http://10.0.0.1:4573", false},
		{"http://0.0.0.0:4573", false},
		{"http://[::]:4573", false},
		{"http://192.168.1.10", false},
		{"http://[2001:db8::1]:80", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:4573", false},
		{"http://", false},
	} {
		err := loadgen.CheckTarget(context.Background(), tc.target)
		if (err == nil) != tc.ok {
			t.Errorf("CheckTarget(%q) = %v, want ok=%v", tc.target, err, tc.ok)
		}
	}
}

func TestRunRefusesRemoteTarget(t *testing.T) {
	cfg := loadgen.Config{Target: "http://10.1.2.3:4573", Region: "us-east-1", Stream: "s", Concurrency: 1, RecordSize: 1, BatchSize: 1, MaxCalls: 1}
	_, err := loadgen.Run(context.Background(), cfg, loadgen.NewClient(cfg.Target, cfg.Region, 1, ""))
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Run against 10.1.2.3 = %v, want a refusal", err)
	}
}

// httpClients are the generator's two HTTP clients; the tests that talk to
// a server run over both, since a benchmark may use either.
var httpClients = []loadgen.HTTPClient{loadgen.DirectHTTP, loadgen.StandardHTTP}

func TestRunPutRecordBatch(t *testing.T) {
	srv := apptest.Start(t)
	for _, hc := range httpClients {
		t.Run(string(hc), func(t *testing.T) {
			ctx := context.Background()
			c := loadgen.NewClient(srv.URL, "us-east-1", 4, hc)
			if err := loadgen.CreateStream(ctx, c, "lg"); err != nil {
				t.Fatal(err)
			}
			cfg := loadgen.Config{Target: srv.URL, Region: "us-east-1", Stream: "lg", Concurrency: 4, RecordSize: 100, BatchSize: 10,
				Duration: time.Minute, MaxCalls: 40, HTTPClient: hc}
			res, err := loadgen.Run(ctx, cfg, c)
			if err != nil {
				t.Fatal(err)
			}
			if res.Calls != 40 || res.Records != 400 || res.Bytes != 40000 || len(res.CallErrors) != 0 || len(res.RecordErrors) != 0 {
				t.Fatalf("result %+v, want 40 calls, 400 records, 40000 bytes, no errors", res)
			}
			if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
				t.Fatalf("latencies p50 %v p99 %v max %v are not ordered", res.P50, res.P99, res.Max)
			}
			var out bytes.Buffer
			res.Print(&out, &loadgen.Usage{PeakRSS: 100 << 20, CPU: time.Second})
			for _, want := range []string{"PutRecordBatch: 4 workers", string(hc) + " HTTP client", "records", "p99",
				"errors    calls: none; records: none", "peak RSS 100.0 MiB"} {
				if !strings.Contains(out.String(), want) {
					t.Fatalf("report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestRunCountsErrors runs against a server with a tiny quota: PutRecord
// calls fail whole, PutRecordBatch records fail one by one, and the report
// counts both by error code.
func TestRunCountsErrors(t *testing.T) {
	for _, hc := range httpClients {
		t.Run(string(hc), func(t *testing.T) { testRunCountsErrors(t, hc) })
	}
}

func testRunCountsErrors(t *testing.T, hc loadgen.HTTPClient) {
	srv := apptest.Start(t, func(c *config.Config) { c.QuotaRecordsPerSecond = 0.001 })
	ctx := context.Background()
	c := loadgen.NewClient(srv.URL, "us-east-1", 1, hc)
	if err := loadgen.CreateStream(ctx, c, "lg"); err != nil {
		t.Fatal(err)
	}
	base := loadgen.Config{Target: srv.URL, Region: "us-east-1", Stream: "lg", Concurrency: 1, RecordSize: 10, MaxCalls: 3, HTTPClient: hc}

	batch := base
	batch.BatchSize = 5
	res, err := loadgen.Run(ctx, batch, c)
	if err != nil {
		t.Fatal(err)
	}
	// The bucket holds one record: the first call stores one, the rest none.
	if res.Calls != 3 || res.Records != 1 || res.RecordErrors["ServiceUnavailableException"] != 14 {
		t.Fatalf("batch result %+v, want 3 calls, 1 record, 14 throttled records", res)
	}

	single := base
	single.BatchSize = 1
	res, err = loadgen.Run(ctx, single, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 0 || res.CallErrors["ServiceUnavailableException"] != 3 {
		t.Fatalf("PutRecord result %+v, want 3 throttled calls", res)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	// 1..10000 µs: quantiles are known exactly.
	var durations []time.Duration
	for i := 1; i <= 10000; i++ {
		durations = append(durations, time.Duration(i)*time.Microsecond)
	}
	p50, p99, maxD := loadgen.Quantiles(durations)
	for _, tc := range []struct {
		name      string
		got, want time.Duration
	}{{"p50", p50, 5000 * time.Microsecond}, {"p99", p99, 9900 * time.Microsecond}, {"max", maxD, 10000 * time.Microsecond}} {
		if rel := math.Abs(float64(tc.got-tc.want)) / float64(tc.want); rel > 0.01 {
			t.Errorf("%s = %v, want %v within 1%%", tc.name, tc.got, tc.want)
		}
	}
}

// The null server must look like a real one to the SDK: every call succeeds
// and every record is counted, for both operations.
func TestNullServer(t *testing.T) {
	for _, hc := range httpClients {
		for _, batch := range []int{1, 7} {
			null, err := loadgen.StartNullServer(batch)
			if err != nil {
				t.Fatal(err)
			}
			cfg := loadgen.Config{Target: null.URL, Region: "us-east-1", Stream: "any", Concurrency: 2, RecordSize: 64, BatchSize: batch,
				Duration: time.Minute, MaxCalls: 10, HTTPClient: hc}
			res, err := loadgen.Run(context.Background(), cfg, loadgen.NewClient(null.URL, "us-east-1", 2, hc))
			if err != nil {
				t.Fatal(err)
			}
			if res.Calls != 10 || res.Records != int64(10*batch) || len(res.CallErrors) > 0 || len(res.RecordErrors) > 0 {
				t.Errorf("%s, batch %d: calls %d, records %d, errors %v %v; want 10 calls, %d records, no errors",
					hc, batch, res.Calls, res.Records, res.CallErrors, res.RecordErrors, 10*batch)
			}
			if err := null.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

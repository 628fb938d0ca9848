package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/destination/s3/s3test"
	"github.com/sluicehq/sluice/internal/loadgen"
)

// BenchmarkEndToEnd measures records/s from PutRecordBatch to delivered
// objects, and the delivery lag (DeliveryToS3.DataFreshness) under that
// load, with and without GZIP. The whole server runs in the test process
// with the load generator (16 clients, 500 records of 1 KiB per call, JSON
// log lines), so both share the machine, as in the ingest benchmark:
//
//	go test -run '^$' -bench EndToEnd -benchtime 1x -timeout 30m ./internal/delivery/
//
// Buffering is 5 MiB / 1 s: under load every object is cut by size, as
// with the AWS default of 5 MiB / 300 s, and the 1 s interval only makes
// the last partial object of the run leave at once instead of 300 s later.
// SLUICE_BENCH_DURATION (seconds, default 30), SLUICE_BENCH_CONCURRENCY
// (default 16), SLUICE_BENCH_SIZE_MB (default 5) and SLUICE_BENCH_INTERVAL
// (seconds, default 1) change that;
// SLUICE_BENCH_S3=versitygw delivers to a versitygw on loopback instead of
// the built-in bucket store. Add -cpuprofile cpu.out to see where the time
// goes.
func BenchmarkEndToEnd(b *testing.B) {
	for _, format := range []types.CompressionFormat{types.CompressionFormatUncompressed, types.CompressionFormatGzip} {
		b.Run(string(format), func(b *testing.B) {
			for range b.N {
				benchEndToEnd(b, format)
			}
		})
	}
}

// BenchmarkDrain measures delivery alone: records are put while the
// destination refuses writes (the bucket's folder is a file), then the
// destination is repaired and the runner drains the backlog with nothing
// else running. Same environment variables as BenchmarkEndToEnd, and
// SLUICE_BENCH_PROFILE=<file> writes a CPU profile of the drain alone
// (<file>.<format>):
//
//	go test -run '^$' -bench Drain -benchtime 1x -timeout 30m ./internal/delivery/
func BenchmarkDrain(b *testing.B) {
	for _, format := range []types.CompressionFormat{types.CompressionFormatUncompressed, types.CompressionFormatGzip} {
		b.Run(string(format), func(b *testing.B) {
			for range b.N {
				benchDrain(b, format)
			}
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 && os.Getenv(name) != "" {
		return v
	}
	return def
}

// benchServer starts a server with one stream "bench" in format.
func benchServer(b *testing.B, format types.CompressionFormat) (*apptest.Server, *fh.Client, int) {
	concurrency := envInt("SLUICE_BENCH_CONCURRENCY", 16)
	var opts []apptest.Option
	if os.Getenv("SLUICE_BENCH_S3") == "versitygw" {
		gw := s3test.Start(b)
		gw.CreateBucket("bench")
		opts = append(opts, withS3(gw))
	}
	opts = append(opts, func(c *config.Config) { c.RecordMaxBytes = 0 })
	srv := apptest.Start(b, opts...)
	client := loadgen.NewClient(srv.URL, "us-east-1", concurrency, loadgen.DirectHTTP)
	createStream(b, client, "bench", "bench", func(c *types.ExtendedS3DestinationConfiguration) {
		c.CompressionFormat = format
		c.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(int32(envInt("SLUICE_BENCH_SIZE_MB", 5))),
			IntervalInSeconds: aws.Int32(int32(envInt("SLUICE_BENCH_INTERVAL", 1)))}
	})
	return srv, client, concurrency
}

const benchARN = "arn:aws:firehose:us-east-1:000000000000:deliverystream/bench"

// load puts batches of 1 KiB log records from concurrency clients until
// the deadline and returns how many records were accepted.
func load(client *fh.Client, concurrency int, deadline time.Time) (accepted, failedCalls int64) {
	batch := logBatch(500)
	var put, failures atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("bench"), Records: batch}
			for time.Now().Before(deadline) {
				out, err := client.PutRecordBatch(context.Background(), in)
				if err != nil {
					failures.Add(1)
					continue
				}
				put.Add(int64(len(batch)) - int64(aws.ToInt32(out.FailedPutCount)))
			}
		}()
	}
	wg.Wait()
	return put.Load(), failures.Load()
}

func benchEndToEnd(b *testing.B, format types.CompressionFormat) {
	duration := time.Duration(envInt("SLUICE_BENCH_DURATION", 30)) * time.Second
	srv, client, concurrency := benchServer(b, format)

	start := time.Now()
	var accepted, failedCalls atomic.Int64
	loadDone := make(chan struct{})
	go func() {
		a, f := load(client, concurrency, start.Add(duration))
		accepted.Store(a)
		failedCalls.Store(f)
		close(loadDone)
	}()

	// Sample the server's own metrics while the load runs and until every
	// accepted record is delivered.
	var maxFreshness, freshnessSum, freshnessAtLoadEnd, deliveredAtLoadEnd float64
	samples := 0
	var loadEnd, deliveredAt time.Time
	for {
		time.Sleep(250 * time.Millisecond)
		delivered, freshness := scrape(b, srv.URL, benchARN)
		maxFreshness = max(maxFreshness, freshness)
		select {
		case <-loadDone:
			if loadEnd.IsZero() {
				loadEnd = time.Now()
				freshnessAtLoadEnd, deliveredAtLoadEnd = freshness, delivered
			}
		default:
			freshnessSum += freshness
			samples++
		}
		if !loadEnd.IsZero() && delivered >= float64(accepted.Load()) {
			deliveredAt = time.Now()
			break
		}
		if time.Since(start) > duration+10*time.Minute {
			b.Fatalf("delivered %.0f of %d records 10 minutes after the load", delivered, accepted.Load())
		}
	}
	total := float64(accepted.Load())
	ingest := total / loadEnd.Sub(start).Seconds()
	e2e := total / deliveredAt.Sub(start).Seconds()
	b.ReportMetric(ingest, "put_rec/s")
	b.ReportMetric(e2e, "delivered_rec/s")
	b.ReportMetric(maxFreshness, "freshness_max_s")
	b.ReportMetric(freshnessSum/float64(max(samples, 1)), "freshness_mean_s")
	b.ReportMetric(total-deliveredAtLoadEnd, "backlog_at_end_rec")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %d records in %s (%.0f/s accepted, %d failed calls); all delivered %.1fs after the load ended "+
		"(%.0f records/s end to end, %.0f not yet delivered when the load ended); DataFreshness max %.1fs, mean %.1fs during load, %.1fs at its end",
		format, accepted.Load(), loadEnd.Sub(start).Round(time.Millisecond), ingest, failedCalls.Load(),
		deliveredAt.Sub(loadEnd).Seconds(), e2e, total-deliveredAtLoadEnd, maxFreshness, freshnessSum/float64(max(samples, 1)), freshnessAtLoadEnd)
}

func benchDrain(b *testing.B, format types.CompressionFormat) {
	if os.Getenv("SLUICE_BENCH_S3") != "" {
		b.Skip("the drain benchmark blocks the built-in bucket store")
	}
	duration := time.Duration(envInt("SLUICE_BENCH_DURATION", 30)) * time.Second
	srv, client, concurrency := benchServer(b, format)
	// A file where the bucket's folder would be: every write fails, and
	// the runner retries with back-off while the backlog builds up.
	blocker := srv.Cfg.DataDir + "/buckets/000000000000/bench"
	if err := os.MkdirAll(srv.Cfg.DataDir+"/buckets/000000000000", 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	accepted, failedCalls := load(client, concurrency, time.Now().Add(duration))
	if delivered, _ := scrape(b, srv.URL, benchARN); delivered != 0 {
		b.Fatalf("%.0f records delivered while the bucket was blocked", delivered)
	}
	if path := os.Getenv("SLUICE_BENCH_PROFILE"); path != "" {
		// Profile the drain only, not the load that built the backlog.
		f, err := os.Create(path + "." + string(format))
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if err := os.Remove(blocker); err != nil {
		b.Fatal(err)
	}
	var first, last time.Time
	var firstCount float64
	for {
		time.Sleep(50 * time.Millisecond)
		delivered, _ := scrape(b, srv.URL, benchARN)
		if delivered > 0 && first.IsZero() {
			first, firstCount = time.Now(), delivered
		}
		if delivered >= float64(accepted) {
			last = time.Now()
			break
		}
	}
	rate := (float64(accepted) - firstCount) / last.Sub(first).Seconds()
	b.ReportMetric(rate, "drain_rec/s")
	b.ReportMetric(rate*1024/(1<<20), "drain_MiB/s")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: backlog of %d records (%d failed calls) drained at %.0f records/s (%.0f MiB/s of record data)",
		format, accepted, failedCalls, rate, rate*1024/(1<<20))
}

var metricRE = regexp.MustCompile(`(?m)^(DeliveryToS3_Records|DeliveryToS3_DataFreshness)\{delivery_stream="([^"]+)"\} (\S+)$`)

// scrape reads the delivered-records counter and the freshness gauge of a
// stream from /metrics.
func scrape(b *testing.B, url, arn string) (delivered, freshness float64) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range metricRE.FindAllSubmatch(body, -1) {
		if string(m[2]) != arn {
			continue
		}
		v, _ := strconv.ParseFloat(string(m[3]), 64)
		switch string(m[1]) {
		case "DeliveryToS3_Records":
			delivered = v
		case "DeliveryToS3_DataFreshness":
			freshness = v
		}
	}
	return delivered, freshness
}

// logBatch makes n JSON log lines of exactly 1 KiB: compressible the way
// real logs are (GZIP shrinks them to about a fifth).
func logBatch(n int) []types.Record {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"order", "created", "payment", "accepted", "user", "cart", "checkout", "timeout",
		"retry", "shipping", "warehouse", "inventory", "eu-west-1", "GET", "POST", "200", "404", "500"}
	levels := []string{"INFO", "WARN", "ERROR", "DEBUG"}
	out := make([]types.Record, n)
	for i := range out {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, `{"timestamp":"2024-01-31T10:%02d:%02d.%03dZ","level":"%s","service":"%s","request_id":"%016x","user_id":%d,"latency_ms":%d,"message":"`,
			r.IntN(60), r.IntN(60), r.IntN(1000), levels[r.IntN(len(levels))], words[r.IntN(len(words))], r.Uint64(), r.IntN(1000000), r.IntN(5000))
		for buf.Len() < 1021 {
			buf.WriteString(words[r.IntN(len(words))])
			buf.WriteByte(' ')
		}
		buf.Truncate(1021)
		buf.WriteString("\"}\n")
		out[i].Data = buf.Bytes()
	}
	return out
}

package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/ingest"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/records"
	"github.com/sluicehq/sluice/internal/store"
)

// Benchmarks of the ingest path in-process. BenchmarkServer* drive the
// whole server (HTTP, authentication, decoding, group commit, durable
// JetStream) with pre-encoded request bodies, so the client costs almost
// nothing; BenchmarkIngester* measure the ingest package alone over an
// in-memory record log. `sluice bench` measures with the real SDK client.
//
//	go test ./internal/ingest -run '^$' -bench . -benchtime 5s

func batchBody(stream string, n, size int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"DeliveryStreamName":"` + stream + `","Records":[`)
	data := make([]byte, size)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		_, _ = rand.Read(data)
		sb.WriteString(`{"Data":"` + base64.StdEncoding.EncodeToString(data) + `"}`)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

func putBody(stream string, size int) []byte {
	data := make([]byte, size)
	_, _ = rand.Read(data)
	return []byte(`{"DeliveryStreamName":"` + stream + `","Record":{"Data":"` + base64.StdEncoding.EncodeToString(data) + `"}}`)
}

// benchServer posts body to a fresh server from b.N calls spread over
// parallelism×GOMAXPROCS goroutines and reports records/s.
func benchServer(b *testing.B, op string, body []byte, recordsPerCall, recordSize, parallelism int) {
	srv := apptest.Start(b)
	createStreamB(b, srv, "bench")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var failures atomic.Int64
	var firstFailure atomic.Value // string
	b.SetBytes(int64(recordsPerCall * recordSize))
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "Firehose_20150804."+op)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			resp, err := client.Do(req)
			if err != nil {
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, err.Error())
				continue
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, fmt.Sprintf("HTTP %d %s", resp.StatusCode, out))
			}
		}
	})
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d calls failed; the first: %v", n, firstFailure.Load())
	}
	b.ReportMetric(float64(b.N*recordsPerCall)/b.Elapsed().Seconds(), "records/s")
}

func createStreamB(b *testing.B, srv *apptest.Server, name string) {
	b.Helper()
	body := `{"DeliveryStreamName":"` + name + `","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::bench"}}`
	post := func(op, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "Firehose_20150804."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	if code, out := post("CreateDeliveryStream", body); code != http.StatusOK {
		b.Fatalf("create: %d %s", code, out)
	}
	apptest.Eventually(b, 30e9, "stream ACTIVE", func() bool {
		_, out := post("DescribeDeliveryStream", `{"DeliveryStreamName":"`+name+`"}`)
		return strings.Contains(out, `"DeliveryStreamStatus":"ACTIVE"`)
	})
}

// BenchmarkServerPutRecordBatch is scenario (a) of docs/BENCHMARKS.md in
// process: 500 records of 1 KiB per call, 16 concurrent callers on a
// 2-core machine (parallelism 8 × GOMAXPROCS 2).
func BenchmarkServerPutRecordBatch(b *testing.B) {
	benchServer(b, "PutRecordBatch", batchBody("bench", 500, 1024), 500, 1024, 8)
}

// BenchmarkServerPutRecord is scenario (b): PutRecord of 1 KiB, 64
// concurrent callers on 2 cores.
func BenchmarkServerPutRecord(b *testing.B) {
	benchServer(b, "PutRecord", putBody("bench", 1024), 1, 1024, 32)
}

// memLog is an in-memory record log: it measures ingest without storage.
type memLog struct{ seq atomic.Uint64 }

func (m *memLog) AppendRecords(_ context.Context, _ string, _ []byte) (uint64, error) {
	return m.seq.Add(1), nil
}

type oneStream struct{ ds *firehose.DeliveryStream }

func (o oneStream) Lookup(context.Context, firehose.Caller, string) (*firehose.DeliveryStream, error) {
	return o.ds, nil
}

func benchIngester(b *testing.B, n, size int, single bool) {
	ds := &firehose.DeliveryStream{Name: "bench", UID: "uid", ARN: "arn:aws:firehose:us-east-1:000000000000:deliverystream/bench",
		Type: fm.DeliveryStreamTypeDirectPut, Status: firehose.StatusActive}
	in := ingest.New(ingest.Config{}, oneStream{ds}, &memLog{}, ingest.PlainEncoder{}, metrics.New())
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = make([]byte, size)
	}
	b.SetBytes(int64(n * size))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := in.Put(context.Background(), firehose.Caller{}, "bench", recs, single); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkIngesterPutRecordBatch(b *testing.B) { benchIngester(b, 500, 1024, false) }
func BenchmarkIngesterPutRecord(b *testing.B)      { benchIngester(b, 1, 1024, true) }

// BenchmarkRecordsAppend is the encoding step of group commit alone.
func BenchmarkRecordsAppend(b *testing.B) {
	for _, calls := range []int{1, 16} {
		b.Run(fmt.Sprintf("%dx500x1KiB", calls), func(b *testing.B) {
			groups := make([]records.Group, calls)
			for i := range groups {
				groups[i].Records = make([][]byte, 500)
				for j := range groups[i].Records {
					groups[i].Records[j] = make([]byte, 1024)
				}
			}
			var buf []byte
			b.SetBytes(int64(calls * 500 * 1024))
			b.ReportAllocs()
			for b.Loop() {
				buf = records.Append(buf[:0], groups...)
			}
		})
	}
}

// BenchmarkRecordLogAppend is the ceiling under the ingest path: durable
// appends of one stream's messages straight to the record log (embedded
// JetStream, SyncAlways), by message size and by messages in flight.
func BenchmarkRecordLogAppend(b *testing.B) {
	for _, size := range []int{64 << 10, 512 << 10, 2 << 20, 8 << 20} {
		for _, inFlight := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dKiB/inflight%d", size>>10, inFlight), func(b *testing.B) {
				st, err := store.Open(context.Background(), store.Config{DataDir: b.TempDir(), RecordMaxAge: time.Hour},
					slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				msg := make([]byte, size)
				_, _ = rand.Read(msg)
				b.SetBytes(int64(size))
				b.ResetTimer()
				var next atomic.Int64
				done := make(chan struct{}, inFlight)
				for range inFlight {
					go func() {
						defer func() { done <- struct{}{} }()
						for next.Add(1) <= int64(b.N) {
							if _, err := st.AppendRecords(context.Background(), "bench", msg); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				for range inFlight {
					<-done
				}
			})
		}
	}
}

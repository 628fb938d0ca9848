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
// log lines), so both share the machine, as in the ingest benchmark. Run it
// once per format:
//
//	go test -run '^$' -bench EndToEnd -benchtime 1x -timeout 30m ./internal/delivery/
//
// SLUICE_BENCH_DURATION (default 30s) and SLUICE_BENCH_CONCURRENCY
// (default 16) change the load; SLUICE_BENCH_S3=versitygw delivers to a
// versitygw on loopback instead of the built-in bucket store. Add
// -cpuprofile cpu.out to see where the time goes.
func BenchmarkEndToEnd(b *testing.B) {
	for _, format := range []types.CompressionFormat{types.CompressionFormatUncompressed, types.CompressionFormatGzip} {
		b.Run(string(format), func(b *testing.B) {
			for range b.N {
				benchEndToEnd(b, format)
			}
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchEndToEnd(b *testing.B, format types.CompressionFormat) {
	duration := time.Duration(envInt("SLUICE_BENCH_DURATION", 30)) * time.Second
	concurrency := envInt("SLUICE_BENCH_CONCURRENCY", 16)
	var opts []apptest.Option
	if os.Getenv("SLUICE_BENCH_S3") == "versitygw" {
		gw := s3test.Start(b)
		gw.CreateBucket("bench")
		opts = append(opts, withS3(gw))
	}
	opts = append(opts, func(c *config.Config) { c.RecordMaxBytes = 0 })
	srv := apptest.Start(b, opts...)
	client := loadgen.NewClient(srv.URL, "us-east-1", concurrency)
	createStream(b, client, "bench", "bench", func(c *types.ExtendedS3DestinationConfiguration) {
		c.CompressionFormat = format
		// The AWS defaults, 5 MiB or 300 s, whichever comes first.
		c.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(5), IntervalInSeconds: aws.Int32(300)}
	})
	batch := logBatch(500)
	arn := "arn:aws:firehose:us-east-1:000000000000:deliverystream/bench"

	var put atomic.Int64
	var failures atomic.Int64
	start := time.Now()
	deadline := start.Add(duration)
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

	// Sample the server's own metrics while the load runs and until every
	// accepted record is delivered.
	var maxFreshness, freshnessSum float64
	samples := 0
	loadDone := make(chan struct{})
	go func() { wg.Wait(); close(loadDone) }()
	var loadEnd, deliveredAt time.Time
	var freshnessAtLoadEnd float64
	for {
		time.Sleep(250 * time.Millisecond)
		delivered, freshness := scrape(b, srv.URL, arn)
		if freshness > maxFreshness {
			maxFreshness = freshness
		}
		select {
		case <-loadDone:
			if loadEnd.IsZero() {
				loadEnd = time.Now()
				freshnessAtLoadEnd = freshness
			}
		default:
			freshnessSum += freshness
			samples++
		}
		if !loadEnd.IsZero() && delivered >= float64(put.Load()) {
			deliveredAt = time.Now()
			break
		}
		if time.Since(start) > duration+10*time.Minute {
			b.Fatalf("delivered %.0f of %d records 10 minutes after the load", delivered, put.Load())
		}
	}
	total := float64(put.Load())
	ingest := total / loadEnd.Sub(start).Seconds()
	e2e := total / deliveredAt.Sub(start).Seconds()
	b.ReportMetric(ingest, "put_rec/s")
	b.ReportMetric(e2e, "delivered_rec/s")
	b.ReportMetric(maxFreshness, "freshness_max_s")
	if samples > 0 {
		b.ReportMetric(freshnessSum/float64(samples), "freshness_mean_s")
	}
	b.ReportMetric(deliveredAt.Sub(loadEnd).Seconds(), "drain_s")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %d records in %s (%.0f/s accepted, %d failed calls); all delivered %.1fs after the load ended "+
		"(%.0f records/s end to end); DataFreshness max %.1fs, mean %.1fs during load, %.1fs when the load ended",
		format, put.Load(), loadEnd.Sub(start).Round(time.Millisecond), ingest, failures.Load(),
		deliveredAt.Sub(loadEnd).Seconds(), e2e, maxFreshness, freshnessSum/float64(max(samples, 1)), freshnessAtLoadEnd)
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

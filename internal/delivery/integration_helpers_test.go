package delivery_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/snappy"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/destination/s3/s3test"
)

const (
	roleARN = "arn:aws:iam::000000000000:role/fh"
	waitFor = 90 * time.Second
)

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// withS3 points a server's S3 destinations at a versitygw.
func withS3(gw *s3test.Server) apptest.Option {
	return func(c *config.Config) {
		c.S3Endpoint = gw.URL
		c.S3AccessKey = s3test.AccessKey
		c.S3SecretKey = s3test.SecretKey
	}
}

// createStream creates a DirectPut stream to bucket and waits for ACTIVE.
func createStream(t testing.TB, c *fh.Client, name, bucket string, mutate ...func(*types.ExtendedS3DestinationConfiguration)) {
	t.Helper()
	cfg := &types.ExtendedS3DestinationConfiguration{
		RoleARN:        aws.String(roleARN),
		BucketARN:      aws.String("arn:aws:s3:::" + bucket),
		BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
	}
	for _, m := range mutate {
		m(cfg)
	}
	_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String(name),
		ExtendedS3DestinationConfiguration: cfg,
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	waitActive(t, c, name)
}

func waitActive(t testing.TB, c *fh.Client, name string) {
	t.Helper()
	apptest.Eventually(t, waitFor, name+" ACTIVE", func() bool {
		out, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		return err == nil && out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive
	})
}

// putBatch stores records with PutRecordBatch and fails on any refusal.
func putBatch(t testing.TB, c *fh.Client, name string, recs []string) {
	t.Helper()
	in := &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(name)}
	for _, r := range recs {
		in.Records = append(in.Records, types.Record{Data: []byte(r)})
	}
	out, err := c.PutRecordBatch(ctxT(t), in)
	if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
		t.Fatalf("PutRecordBatch %s: %v %+v", name, err, out)
	}
}

// records makes n distinct newline-terminated records for a stream, so
// delivered objects can be split back into records.
func records(stream string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"stream":%q,"n":%d,"pad":"%s"}`+"\n", stream, from+i, strings.Repeat("x", (from+i)%50))
	}
	return out
}

// listAll returns every object of a bucket, key → raw content, through an
// SDK S3 client.
func listAll(ctx context.Context, c *s3.Client, bucket string) (map[string][]byte, error) {
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(got.Body)
			got.Body.Close()
			if err != nil {
				return nil, err
			}
			if int64(len(body)) != aws.ToInt64(o.Size) {
				return nil, fmt.Errorf("%s: listed %d bytes, got %d", aws.ToString(o.Key), aws.ToInt64(o.Size), len(body))
			}
			out[aws.ToString(o.Key)] = body
		}
	}
	return out, nil
}

// decode undoes a compression format with readers independent of the
// writer: the standard library's gzip and zip, klauspost's framed snappy
// reader, and a Hadoop-snappy reader written here.
func decode(format string, body []byte) ([]byte, error) {
	switch format {
	case "", "UNCOMPRESSED":
		return body, nil
	case "GZIP":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "ZIP":
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			return nil, err
		}
		if len(zr.File) != 1 {
			return nil, fmt.Errorf("zip with %d entries", len(zr.File))
		}
		f, err := zr.File[0].Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(f)
	case "Snappy":
		return io.ReadAll(snappy.NewReader(bytes.NewReader(body)))
	case "HADOOP_SNAPPY":
		return hadoopSnappy(body)
	}
	return nil, fmt.Errorf("unknown format %s", format)
}

// hadoopSnappy reads Hadoop's block framing: per block a big-endian uint32
// uncompressed length, then chunks of a big-endian uint32 compressed length
// and a raw snappy block, until the block's bytes are produced.
func hadoopSnappy(data []byte) ([]byte, error) {
	var out []byte
	for len(data) > 0 {
		if len(data) < 4 {
			return nil, errors.New("truncated block header")
		}
		want := int(binary.BigEndian.Uint32(data))
		data = data[4:]
		got := 0
		for got < want {
			if len(data) < 4 {
				return nil, errors.New("truncated chunk header")
			}
			n := int(binary.BigEndian.Uint32(data))
			data = data[4:]
			if n > len(data) {
				return nil, errors.New("truncated chunk")
			}
			chunk, err := snappy.Decode(nil, data[:n])
			if err != nil {
				return nil, err
			}
			data = data[n:]
			out = append(out, chunk...)
			got += len(chunk)
		}
	}
	return out, nil
}

// splitRecords cuts a decoded object back into its newline-terminated
// records, failing on a partial record (which would mean a record was cut
// across objects).
func splitRecords(body []byte) ([]string, error) {
	if len(body) == 0 {
		return nil, nil
	}
	if body[len(body)-1] != '\n' {
		return nil, errors.New("object does not end on a record boundary")
	}
	parts := strings.SplitAfter(string(body), "\n")
	return parts[:len(parts)-1], nil
}

// ledger remembers every record whose put was acknowledged.
type ledger struct {
	mu   sync.Mutex
	recs map[string]int // record → number of acknowledged puts
}

func newLedger() *ledger { return &ledger{recs: map[string]int{}} }

func (l *ledger) add(recs ...string) {
	l.mu.Lock()
	for _, r := range recs {
		l.recs[r]++
	}
	l.mu.Unlock()
}

func (l *ledger) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recs)
}

// check compares delivered objects with the acknowledged records: every
// acknowledged record must be delivered exactly once across objects.
// Delivered records that were never acknowledged (a put that failed after
// storing) are allowed but counted.
func (l *ledger) check(objects map[string][]byte, format string) (missing, duplicated []string, extra int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]int{}
	keys := make([]string, 0, len(objects))
	for k := range objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		body, err := decode(format, objects[k])
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %w", k, err)
		}
		recs, err := splitRecords(body)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %w", k, err)
		}
		for _, r := range recs {
			seen[r]++
		}
	}
	for r := range l.recs {
		switch seen[r] {
		case 0:
			missing = append(missing, r)
		case 1:
		default:
			duplicated = append(duplicated, r)
		}
	}
	for r, n := range seen {
		if l.recs[r] == 0 {
			extra += n
		}
	}
	return missing, duplicated, extra, nil
}

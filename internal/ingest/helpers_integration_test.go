package ingest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
)

// Shared fixtures of the ingest integration tests: the whole server
// (apptest) driven by the real aws-sdk-go-v2 client, with stored records
// read back through the storage layer.

const (
	account = "000000000000" // config.Defaults().AccountID
	region  = "us-east-1"
)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func withQuota(records, requests, bytes float64) apptest.Option {
	return func(c *config.Config) {
		c.QuotaRecordsPerSecond, c.QuotaRequestsPerSecond, c.QuotaBytesPerSecond = records, requests, bytes
	}
}

// createStream creates a DirectPut stream with an S3 destination (mutate
// adjusts the input), waits until it is ACTIVE (with no create delay that
// is a moment later) and returns its ARN. The largest buffering hints keep
// delivery from consuming the records these tests read back from storage.
func createStream(t *testing.T, c *fh.Client, name string, mutate ...func(*fh.CreateDeliveryStreamInput)) string {
	t.Helper()
	in := &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN:        aws.String("arn:aws:iam::000000000000:role/fh"),
			BucketARN:      aws.String("arn:aws:s3:::ingest-tests"),
			BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(128), IntervalInSeconds: aws.Int32(900)},
		},
	}
	for _, m := range mutate {
		m(in)
	}
	out, err := c.CreateDeliveryStream(ctxT(t), in)
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	waitActive(t, c, name)
	return aws.ToString(out.DeliveryStreamARN)
}

func waitActive(t *testing.T, c *fh.Client, name string) {
	t.Helper()
	apptest.Eventually(t, 30*time.Second, name+" ACTIVE", func() bool {
		out, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		return err == nil && out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive
	})
}

// wantAPIError checks an SDK error's code, message and HTTP status.
func wantAPIError(t *testing.T, err error, code, message string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s %q", code, message)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Fatalf("got %s %q\nwant %s %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, message)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("no HTTP response in %v", err)
	}
	if respErr.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP status %d, want %d", code, respErr.HTTPStatusCode(), status)
	}
}

func recs(data ...[]byte) []types.Record {
	out := make([]types.Record, len(data))
	for i, d := range data {
		out[i].Data = d
	}
	return out
}

// sized returns n records of size bytes, each starting with its index so
// that they are distinguishable.
func sized(n, size int) []types.Record {
	out := make([]types.Record, n)
	for i := range out {
		d := make([]byte, size)
		copy(d, fmt.Sprintf("%d:", i))
		out[i].Data = d
	}
	return out
}

func putBatch(t *testing.T, c *fh.Client, name string, rs []types.Record) *fh.PutRecordBatchOutput {
	t.Helper()
	out, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(name), Records: rs})
	if err != nil {
		t.Fatalf("PutRecordBatch %s (%d records): %v", name, len(rs), err)
	}
	return out
}

func putRecord(t *testing.T, c *fh.Client, name string, data []byte) *fh.PutRecordOutput {
	t.Helper()
	out, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String(name), Record: &types.Record{Data: data}})
	if err != nil {
		t.Fatalf("PutRecord %s: %v", name, err)
	}
	return out
}

// wantAllAccepted checks a fully successful PutRecordBatch answer and
// returns its record ids.
func wantAllAccepted(t *testing.T, out *fh.PutRecordBatchOutput, n int) []string {
	t.Helper()
	if aws.ToInt32(out.FailedPutCount) != 0 {
		t.Fatalf("FailedPutCount = %d, want 0", aws.ToInt32(out.FailedPutCount))
	}
	if out.Encrypted == nil || *out.Encrypted {
		t.Fatalf("Encrypted = %v, want present and false", out.Encrypted)
	}
	if len(out.RequestResponses) != n {
		t.Fatalf("%d RequestResponses, want %d", len(out.RequestResponses), n)
	}
	ids := make([]string, n)
	for i, e := range out.RequestResponses {
		if e.ErrorCode != nil || e.ErrorMessage != nil || aws.ToString(e.RecordId) == "" {
			t.Fatalf("entry %d = {%v %v %v}, want a RecordId only", i, aws.ToString(e.RecordId), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
		ids[i] = *e.RecordId
	}
	return ids
}

// storedRecords reads every record stored for a stream, in storage order,
// through the storage layer (the JetStream record log and the records
// format), as delivery will.
func storedRecords(t *testing.T, srv *apptest.Server, name string) [][]byte {
	t.Helper()
	msgs := storedMessages(t, srv, name)
	var out [][]byte
	for _, m := range msgs {
		out = append(out, m...)
	}
	return out
}

// storedMessages is storedRecords grouped by stored message.
func storedMessages(t *testing.T, srv *apptest.Server, name string) [][][]byte {
	t.Helper()
	ctx := ctxT(t)
	ds, err := srv.App.Streams().Lookup(ctx, firehose.Caller{AccountID: account, Region: region}, name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	var out [][][]byte
	from := uint64(0)
	for {
		groups, err := srv.App.Store().ReadRecords(ctx, ds.UID, from, 256)
		if err != nil {
			t.Fatalf("read records of %s: %v", name, err)
		}
		if len(groups) == 0 {
			return out
		}
		for _, g := range groups {
			m, err := records.Parse(g.Data)
			if err != nil {
				t.Fatalf("message %d: %v", g.Sequence, err)
			}
			r, err := m.Records()
			if err != nil {
				t.Fatalf("message %d: %v", g.Sequence, err)
			}
			var msg [][]byte
			for r.Next() {
				msg = append(msg, append([]byte{}, r.Data()...))
			}
			out = append(out, msg)
			from = g.Sequence + 1
		}
	}
}

// metric returns the value of one series at /metrics: name with the
// delivery_stream label set to arn (0 when the series is absent).
func metric(t *testing.T, srv *apptest.Server, name, arn string) float64 {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, srv.URL+"/metrics", nil)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	want := fmt.Sprintf(`%s{delivery_stream=%q} `, name, arn)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	return 0
}

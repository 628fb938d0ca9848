package putcodec_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/putcodec"
)

// captureServer records the bodies a real client sends and answers with a
// minimal valid response, so the client does not retry.
type captureServer struct {
	mu     sync.Mutex
	bodies map[string][]byte // by X-Amz-Target
}

func (c *captureServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	c.mu.Lock()
	c.bodies[target] = body
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch target {
	case "Firehose_20150804.PutRecordBatch":
		_, _ = w.Write([]byte(`{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[]}`))
	default:
		_, _ = w.Write([]byte(`{"RecordId":"x","Encrypted":false}`))
	}
}

// TestSDKGoV2Bodies drives the aws-sdk-go-v2 Firehose client against a
// capture server and checks the fast path decodes exactly what it sends.
func TestSDKGoV2Bodies(t *testing.T) {
	cs := &captureServer{bodies: map[string][]byte{}}
	srv := httptest.NewServer(cs)
	defer srv.Close()

	client := firehose.New(firehose.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	})
	records := [][]byte{[]byte("hello\n"), {}, {0xff, 0x00, 0xfe}, bytes.Repeat([]byte("/+?"), 100)}
	entries := make([]types.Record, len(records))
	for i, r := range records {
		entries[i] = types.Record{Data: r}
	}
	ctx := context.Background()
	if _, err := client.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("s1"), Records: entries}); err != nil {
		t.Fatalf("PutRecordBatch: %v", err)
	}
	if _, err := client.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("s1"), Record: &types.Record{Data: records[0]}}); err != nil {
		t.Fatalf("PutRecord: %v", err)
	}

	batch := cs.bodies["Firehose_20150804.PutRecordBatch"]
	var br putcodec.BatchRequest
	if !putcodec.DecodeBatch(batch, &br) {
		t.Fatalf("fast path declined the go-v2 batch body %s", batch)
	}
	if br.StreamName == nil || *br.StreamName != "s1" || len(br.Records) != len(records) {
		t.Fatalf("decoded %+v", br)
	}
	for i, r := range br.Records {
		if !r.DataPresent || !bytes.Equal(r.Data, records[i]) {
			t.Errorf("record %d = %q, want %q", i, r.Data, records[i])
		}
	}
	put := cs.bodies["Firehose_20150804.PutRecord"]
	var pr putcodec.PutRequest
	if !putcodec.DecodePut(put, &pr) {
		t.Fatalf("fast path declined the go-v2 put body %s", put)
	}
	if pr.Record == nil || !bytes.Equal(pr.Record.Data, records[0]) {
		t.Fatalf("decoded %+v", pr)
	}
	if os.Getenv("PUTCODEC_WRITE_GOLDEN") != "" {
		must(t, os.WriteFile(filepath.Join("testdata", "gov2_batch.json"), batch, 0o644))
		must(t, os.WriteFile(filepath.Join("testdata", "gov2_put.json"), put, 0o644))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

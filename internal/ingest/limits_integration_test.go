package ingest_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
)

// Every hard limit of PutRecord and PutRecordBatch (spec §2.6, §2.7, §3.1)
// at its boundary: the largest legal value is stored, one more is refused
// with the error type and message the real service answers with.

func heapBufferError(path string, n int) string {
	return fmt.Sprintf("Value 'java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]' at '%s' failed to satisfy constraint: "+
		"Member must have length less than or equal to 1024000", n, n, path)
}

func TestPutRecordSizeLimit(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "limits")

	max := bytes.Repeat([]byte{'m'}, 1_024_000)
	out := putRecord(t, c, "limits", max)
	if aws.ToString(out.RecordId) == "" || out.Encrypted == nil || *out.Encrypted {
		t.Fatalf("PutRecord answer {RecordId %q Encrypted %v}, want an id and Encrypted present and false", aws.ToString(out.RecordId), out.Encrypted)
	}
	empty := putRecord(t, c, "limits", []byte{})

	_, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("limits"),
		Record: &types.Record{Data: make([]byte, 1_024_001)}})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: "+heapBufferError("record.data", 1_024_001), http.StatusBadRequest)

	got := storedRecords(t, srv, "limits")
	if len(got) != 2 || !bytes.Equal(got[0], max) || len(got[1]) != 0 {
		t.Fatalf("stored %d records, want the 1,024,000-byte one then the empty one", len(got))
	}
	if *out.RecordId == *empty.RecordId {
		t.Fatal("two records got the same RecordId")
	}
}

func TestPutRecordBatchRecordSizeLimit(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "limits")

	ok := recs(make([]byte, 1_024_000), []byte{}, []byte("x"))
	wantAllAccepted(t, putBatch(t, c, "limits", ok), 3)

	// Records are numbered from 1 in the path; every bad record is listed.
	_, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("limits"),
		Records: recs([]byte("fine"), make([]byte, 1_024_001))})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: "+heapBufferError("records.2.member.data", 1_024_001), http.StatusBadRequest)

	_, err = c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("limits"),
		Records: recs(make([]byte, 1_024_001), []byte("fine"), make([]byte, 1_024_002))})
	wantAPIError(t, err, "ValidationException", "2 validation errors detected: "+
		heapBufferError("records.1.member.data", 1_024_001)+"; "+heapBufferError("records.3.member.data", 1_024_002), http.StatusBadRequest)

	if got := storedRecords(t, srv, "limits"); len(got) != 3 {
		t.Fatalf("stored %d records, want only the 3 of the valid call", len(got))
	}
}

func TestPutRecordBatchCountLimit(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "limits")

	wantAllAccepted(t, putBatch(t, c, "limits", sized(500, 10)), 500)

	_, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("limits"), Records: sized(501, 10)})
	var apiErr smithy.APIError
	if !asAPIError(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" ||
		!strings.HasPrefix(apiErr.ErrorMessage(), "1 validation error detected: Value '[") ||
		!strings.HasSuffix(apiErr.ErrorMessage(), "]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500") {
		t.Fatalf("501 records: got %v, want ValidationException on 'records' length", err)
	}

	_, err = c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("limits"), Records: []types.Record{}})
	wantAPIError(t, err, "ValidationException",
		"1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1", http.StatusBadRequest)

	if got := storedRecords(t, srv, "limits"); len(got) != 500 {
		t.Fatalf("stored %d records, want 500", len(got))
	}
}

func TestPutRecordBatchTotalSizeLimit(t *testing.T) {
	// A 4 MiB call is 5.6 MB of base64 on the wire; the SDK client gets
	// a longer timeout than its default to send it on a loaded machine.
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "limits")

	// Exactly 4 MiB in all: four records at the per-record maximum and one
	// that makes up the rest.
	const mib4 = 4 << 20
	exact := recs(make([]byte, 1_024_000), make([]byte, 1_024_000), make([]byte, 1_024_000), make([]byte, 1_024_000),
		make([]byte, mib4-4*1_024_000))
	wantAllAccepted(t, putBatch(t, c, "limits", exact), 5)

	over := recs(make([]byte, 1_024_000), make([]byte, 1_024_000), make([]byte, 1_024_000), make([]byte, 1_024_000),
		make([]byte, mib4-4*1_024_000+1))
	_, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("limits"), Records: over})
	wantAPIError(t, err, "InvalidArgumentException", "Records size exceeds 4 MB limit", http.StatusBadRequest)

	got := storedRecords(t, srv, "limits")
	total := 0
	for _, r := range got {
		total += len(r)
	}
	if len(got) != 5 || total != mib4 {
		t.Fatalf("stored %d records of %d bytes, want the 5 records of the 4 MiB call", len(got), total)
	}
}

func TestPutRecordBatchEmptyRecords(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "empty")
	wantAllAccepted(t, putBatch(t, c, "empty", recs([]byte{}, []byte("a"), []byte{})), 3)
	got := storedRecords(t, srv, "empty")
	if len(got) != 3 || len(got[0]) != 0 || string(got[1]) != "a" || len(got[2]) != 0 {
		t.Fatalf("stored %q, want [\"\" \"a\" \"\"]", got)
	}
}

func TestPutRecordStreamErrors(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()

	_, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("nope"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose nope under account 000000000000 not found.", http.StatusBadRequest)
	_, err = c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("nope"), Records: recs([]byte("x"))})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose nope under account 000000000000 not found.", http.StatusBadRequest)

	// A stream of the same name in another region is another stream.
	createStream(t, srv.FirehoseIn("eu-west-1"), "elsewhere")
	_, err = c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("elsewhere"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose elsewhere under account 000000000000 not found.", http.StatusBadRequest)

	createStream(t, c, "from-kinesis", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
		in.KinesisStreamSourceConfiguration = &types.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/fh"),
		}
	})
	const notPermitted = "This operation is not permitted on KinesisStreamAsSource delivery stream type."
	_, err = c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("from-kinesis"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "InvalidArgumentException", notPermitted, http.StatusBadRequest)
	_, err = c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("from-kinesis"), Records: recs([]byte("x"))})
	wantAPIError(t, err, "InvalidArgumentException", notPermitted, http.StatusBadRequest)
}

// TestPutRecordStreamStatus covers the choices for streams that are not
// ACTIVE (docs/COMPATIBILITY.md): CREATING answers ResourceNotFoundException,
// as for a stream that does not exist yet; DELETING still accepts records,
// as AWS documents it may.
func TestPutRecordStreamStatus(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) {
		c.CreateDelay = time.Hour
		c.DeleteDelay = time.Hour
	})
	c := srv.Firehose()
	if _, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("slow"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: aws.String("arn:aws:iam::000000000000:role/fh"), BucketARN: aws.String("arn:aws:s3:::ingest-tests")},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("slow"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose slow under account 000000000000 not found.", http.StatusBadRequest)
	_, err = c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("slow"), Records: recs([]byte("x"))})
	wantAPIError(t, err, "ResourceNotFoundException", "Firehose slow under account 000000000000 not found.", http.StatusBadRequest)

	srv2 := apptest.Start(t, func(c *config.Config) { c.DeleteDelay = time.Hour })
	c2 := srv2.Firehose()
	createStream(t, c2, "going")
	if _, err := c2.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("going")}); err != nil {
		t.Fatal(err)
	}
	// The data path reads the catalog through a short-lived cache: wait
	// until it sees DELETING, then put.
	apptest.Eventually(t, 30*time.Second, "stream DELETING", func() bool {
		out, err := c2.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("going")})
		return err == nil && out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusDeleting
	})
	putRecord(t, c2, "going", []byte("late"))
}

// TestPutRecordBatchBadBase64 sends an unsigned request (development mode
// takes it as the default account) whose record is not base64.
func TestPutRecordBatchBadBase64(t *testing.T) {
	srv := apptest.Start(t)
	createStream(t, srv.Firehose(), "b64")
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL+"/",
		strings.NewReader(`{"DeliveryStreamName":"b64","Records":[{"Data":"not base64!"}]}`))
	req.Header.Set("X-Amz-Target", "Firehose_20150804.PutRecordBatch")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-amzn-ErrorType") != "SerializationException" {
		t.Fatalf("bad base64: HTTP %d %s, want 400 SerializationException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
	if got := storedRecords(t, srv, "b64"); len(got) != 0 {
		t.Fatalf("stored %d records from a refused call", len(got))
	}
}

func asAPIError(err error, target *smithy.APIError) bool {
	if err == nil {
		return false
	}
	var apiErr smithy.APIError
	ok := errors.As(err, &apiErr)
	*target = apiErr
	return ok
}

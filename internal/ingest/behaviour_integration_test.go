package ingest_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
)

// Per-record outcomes, ordering, grouping of concurrent calls, quotas, the
// disk budget and metrics, through the real SDK client.

func TestPutRecordBatchOrderAndIDs(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "order")

	var all []types.Record
	seen := map[string]bool{}
	for call := range 3 {
		batch := make([]types.Record, 100)
		for i := range batch {
			batch[i].Data = fmt.Appendf(nil, "call %d record %03d", call, i)
		}
		all = append(all, batch...)
		for _, id := range wantAllAccepted(t, putBatch(t, c, "order", batch), len(batch)) {
			if seen[id] {
				t.Fatalf("RecordId %s given twice", id)
			}
			seen[id] = true
		}
	}
	out := putRecord(t, c, "order", []byte("single"))
	if seen[aws.ToString(out.RecordId)] {
		t.Fatal("PutRecord reused a RecordId")
	}
	all = append(all, types.Record{Data: []byte("single")})

	got := storedRecords(t, srv, "order")
	if len(got) != len(all) {
		t.Fatalf("stored %d records, want %d", len(got), len(all))
	}
	for i := range all {
		if !bytes.Equal(got[i], all[i].Data) {
			t.Fatalf("stored record %d = %q, want %q", i, got[i], all[i].Data)
		}
	}
}

// TestConcurrentPutRecordGrouped runs many concurrent PutRecord calls on one
// stream, which group commit stores together, and checks correctness only:
// every record stored exactly once, each caller's records in its call
// order, every RecordId unique.
func TestConcurrentPutRecordGrouped(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "grouped")

	const workers, calls = 24, 25
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				out, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("grouped"),
					Record: &types.Record{Data: fmt.Appendf(nil, "w%02d-%04d", w, i)}})
				if err != nil {
					t.Errorf("worker %d call %d: %v", w, i, err)
					return
				}
				ids[w] = append(ids[w], aws.ToString(out.RecordId))
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	checkUniqueIDs(t, ids)

	msgs := storedMessages(t, srv, "grouped")
	next := make([]int, workers)
	n := 0
	for _, m := range msgs {
		for _, r := range m {
			var w, i int
			if _, err := fmt.Sscanf(string(r), "w%02d-%04d", &w, &i); err != nil {
				t.Fatalf("stored record %q: %v", r, err)
			}
			if i != next[w] {
				t.Fatalf("worker %d: stored call %d where call %d was due (lost, duplicated or reordered)", w, i, next[w])
			}
			next[w]++
			n++
		}
	}
	for w, got := range next {
		if got != calls {
			t.Fatalf("worker %d: %d records stored, want %d", w, got, calls)
		}
	}
	t.Logf("%d PutRecord calls stored as %d messages", n, len(msgs))
}

// TestConcurrentPutRecordBatchContiguous checks that each PutRecordBatch
// call's records stay together and in order when calls run concurrently.
func TestConcurrentPutRecordBatchContiguous(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createStream(t, c, "batches")

	const workers, calls, size = 8, 6, 50
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for call := range calls {
				batch := make([]types.Record, size)
				for i := range batch {
					batch[i].Data = fmt.Appendf(nil, "w%d-c%d-r%02d", w, call, i)
				}
				out, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("batches"), Records: batch})
				if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
					t.Errorf("worker %d call %d: %v", w, call, err)
					return
				}
				for _, e := range out.RequestResponses {
					ids[w] = append(ids[w], aws.ToString(e.RecordId))
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	checkUniqueIDs(t, ids)

	got := storedRecords(t, srv, "batches")
	if len(got) != workers*calls*size {
		t.Fatalf("stored %d records, want %d", len(got), workers*calls*size)
	}
	seen := map[string]bool{}
	for at := 0; at < len(got); at += size {
		var w, call, r int
		if _, err := fmt.Sscanf(string(got[at]), "w%d-c%d-r%02d", &w, &call, &r); err != nil || r != 0 {
			t.Fatalf("record %d = %q, want the first record of a call", at, got[at])
		}
		key := fmt.Sprintf("w%d-c%d", w, call)
		if seen[key] {
			t.Fatalf("call %s stored twice", key)
		}
		seen[key] = true
		for i := range size {
			if want := fmt.Sprintf("w%d-c%d-r%02d", w, call, i); string(got[at+i]) != want {
				t.Fatalf("record %d = %q, want %q: a call's records were split or reordered", at+i, got[at+i], want)
			}
		}
	}
}

func checkUniqueIDs(t *testing.T, ids [][]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, list := range ids {
		for _, id := range list {
			if id == "" || seen[id] {
				t.Fatalf("RecordId %q empty or given twice", id)
			}
			seen[id] = true
		}
	}
}

// wantThrottledEntries checks a partially throttled PutRecordBatch answer:
// the first accepted entries have ids, the rest "Slow down.".
func wantThrottledEntries(t *testing.T, out *fh.PutRecordBatchOutput, accepted, total int) {
	t.Helper()
	if got := aws.ToInt32(out.FailedPutCount); int(got) != total-accepted {
		t.Fatalf("FailedPutCount = %d, want %d", got, total-accepted)
	}
	if out.Encrypted == nil || *out.Encrypted {
		t.Fatalf("Encrypted = %v, want present and false", out.Encrypted)
	}
	if len(out.RequestResponses) != total {
		t.Fatalf("%d RequestResponses, want %d", len(out.RequestResponses), total)
	}
	for i, e := range out.RequestResponses {
		if i < accepted {
			if aws.ToString(e.RecordId) == "" || e.ErrorCode != nil {
				t.Fatalf("entry %d: want a RecordId, got code %q", i, aws.ToString(e.ErrorCode))
			}
			continue
		}
		if e.RecordId != nil || aws.ToString(e.ErrorCode) != "ServiceUnavailableException" || aws.ToString(e.ErrorMessage) != "Slow down." {
			t.Fatalf("entry %d = {%q %q %q}, want ServiceUnavailableException / Slow down.", i,
				aws.ToString(e.RecordId), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
	}
}

// The quota tests use rates far below 1/s: a bucket holds one unit and
// takes minutes to refill, so which calls are throttled does not depend on
// how fast the machine runs the test.

func TestQuotaRecords(t *testing.T) {
	srv := apptest.Start(t, withQuota(0.001, 0, 0))
	c := srv.Firehose()
	arn := createStream(t, c, "q")

	wantThrottledEntries(t, putBatch(t, c, "q", recs([]byte("a"), []byte("b"), []byte("c"))), 1, 3)
	_, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("q"), Record: &types.Record{Data: []byte("d")}})
	wantAPIError(t, err, "ServiceUnavailableException", "Slow down.", http.StatusServiceUnavailable)
	wantThrottledEntries(t, putBatch(t, c, "q", recs([]byte("e"), []byte("f"))), 0, 2)

	if got := storedRecords(t, srv, "q"); len(got) != 1 || string(got[0]) != "a" {
		t.Fatalf("stored %q, want only the record within the quota", got)
	}
	if got := metric(t, srv, "ThrottledRecords", arn); got != 5 {
		t.Fatalf("ThrottledRecords = %v, want 5", got)
	}
	if got := metric(t, srv, "IncomingRecords", arn); got != 1 {
		t.Fatalf("IncomingRecords = %v, want 1", got)
	}

	// Quotas are per stream.
	createStream(t, c, "q2")
	wantThrottledEntries(t, putBatch(t, c, "q2", recs([]byte("a"), []byte("b"))), 1, 2)
}

func TestQuotaRequests(t *testing.T) {
	srv := apptest.Start(t, withQuota(0, 0.001, 0))
	c := srv.Firehose()
	createStream(t, c, "q")
	wantAllAccepted(t, putBatch(t, c, "q", sized(10, 10)), 10)
	_, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("q"), Records: sized(10, 10)})
	wantAPIError(t, err, "ServiceUnavailableException", "Slow down.", http.StatusServiceUnavailable)
	_, err = c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("q"), Record: &types.Record{Data: []byte("x")}})
	wantAPIError(t, err, "ServiceUnavailableException", "Slow down.", http.StatusServiceUnavailable)
}

func TestQuotaBytes(t *testing.T) {
	srv := apptest.Start(t, withQuota(0, 0, 100))
	c := srv.Firehose()
	createStream(t, c, "q")
	wantThrottledEntries(t, putBatch(t, c, "q", sized(3, 40)), 2, 3)
	if got := storedRecords(t, srv, "q"); len(got) != 2 {
		t.Fatalf("stored %d records, want 2", len(got))
	}
}

func TestQuotaOffByDefault(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	arn := createStream(t, c, "free")
	for range 20 {
		wantAllAccepted(t, putBatch(t, c, "free", sized(500, 100)), 500)
	}
	for range 50 {
		putRecord(t, c, "free", []byte("x"))
	}
	if got := metric(t, srv, "ThrottledRecords", arn); got != 0 {
		t.Fatalf("ThrottledRecords = %v, want 0", got)
	}
}

// TestDiskBudgetFull fills a small record log: puts then fail with
// ServiceUnavailableException (which every SDK retries) instead of the log
// growing past its budget, and what was acknowledged stays intact.
func TestDiskBudgetFull(t *testing.T) {
	const budget = 256 << 10
	srv := apptest.Start(t, func(c *config.Config) { c.RecordMaxBytes = budget })
	c := srv.Firehose()
	createStream(t, c, "small")

	var accepted [][]byte
	full := false
	for i := 0; i < 100 && !full; i++ {
		batch := sized(16, 4096)
		for j := range batch {
			copy(batch[j].Data, fmt.Sprintf("call %d record %d", i, j))
		}
		out, err := c.PutRecordBatch(ctxT(t), &fh.PutRecordBatchInput{DeliveryStreamName: aws.String("small"), Records: batch})
		if err != nil {
			wantAPIError(t, err, "ServiceUnavailableException", "Slow down.", http.StatusServiceUnavailable)
			full = true
			break
		}
		wantAllAccepted(t, out, len(batch))
		for _, r := range batch {
			accepted = append(accepted, r.Data)
		}
	}
	if !full {
		t.Fatalf("%d bytes accepted into a %d-byte record log without a refusal", len(accepted)*4096, budget)
	}
	_, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("small"), Record: &types.Record{Data: make([]byte, 16*4096)}})
	wantAPIError(t, err, "ServiceUnavailableException", "Slow down.", http.StatusServiceUnavailable)

	got := storedRecords(t, srv, "small")
	if len(got) != len(accepted) {
		t.Fatalf("stored %d records, want the %d acknowledged", len(got), len(accepted))
	}
	total := 0
	for i := range got {
		if !bytes.Equal(got[i], accepted[i]) {
			t.Fatalf("record %d changed in storage", i)
		}
		total += len(got[i])
	}
	if total > budget {
		t.Fatalf("record log holds %d bytes of records, over its %d-byte budget", total, budget)
	}
	t.Logf("budget %d bytes: %d records (%d bytes) accepted before refusals", budget, len(got), total)
}

func TestIngestMetrics(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	arn := createStream(t, c, "m")
	putRecord(t, c, "m", []byte("12345"))
	wantAllAccepted(t, putBatch(t, c, "m", recs([]byte("ab"), []byte(""), []byte("cde"))), 3)
	// A refused call counts nowhere.
	_, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("m"), Record: &types.Record{Data: make([]byte, 1_024_001)}})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("oversized record: %v", err)
	}

	for name, want := range map[string]float64{
		"IncomingRecords":              4,
		"IncomingBytes":                10,
		"IncomingPutRequests":          2,
		"ThrottledRecords":             0,
		"PutRecord_Latency_count":      1,
		"PutRecordBatch_Latency_count": 1,
	} {
		if got := metric(t, srv, name, arn); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

// A deleted stream's series leave /metrics, so a stream created again
// under the same name counts from zero.
func TestDeletedStreamMetricsAreDropped(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	arn := createStream(t, c, "gone")
	wantAllAccepted(t, putBatch(t, c, "gone", recs([]byte("a"), []byte("b"), []byte("c"))), 3)
	if got := metric(t, srv, "IncomingRecords", arn); got != 3 {
		t.Fatalf("IncomingRecords = %v before the delete, want 3", got)
	}
	if _, err := c.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
		var notFound *types.ResourceNotFoundException
		if errors.As(err, &notFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if createStream(t, c, "gone") != arn {
		t.Fatal("the stream created again has another ARN")
	}
	putRecord(t, c, "gone", []byte("d"))
	if got := metric(t, srv, "IncomingRecords", arn); got != 1 {
		t.Fatalf("IncomingRecords = %v after the delete and one new record, want 1", got)
	}
}

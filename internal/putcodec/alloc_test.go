package putcodec_test

import (
	"testing"

	"github.com/sluicehq/sluice/internal/putcodec"
)

// TestNoAllocations checks the hot paths allocate nothing once the reused
// buffers have grown (the stream name is the same across requests, as it is
// for a producer).
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	batch := batchBody(500, 1024, false)
	put := []byte(`{"DeliveryStreamName":"bench-stream","Record":{"Data":"QUJD"}}`)
	ids := putcodec.NewIDKey([]byte("salt"))
	var (
		br  putcodec.BatchRequest
		pr  putcodec.PutRequest
		out []byte
	)
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"DecodeBatch", func() { putcodec.DecodeBatch(batch, &br) }},
		{"DecodePut", func() { putcodec.DecodePut(put, &pr) }},
		{"AppendBatchAccepted", func() { out = putcodec.AppendBatchAccepted(out[:0], false, ids, 1, 0, 500) }},
		{"AppendPutAccepted", func() { out = putcodec.AppendPutAccepted(out[:0], false, ids, 1, 0) }},
	} {
		tc.fn()
		if n := testing.AllocsPerRun(10, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, n)
		}
	}
}

package firehosemodel

import (
	"testing"

	"github.com/sluicehq/sluice/internal/apishape"
)

// BenchmarkValidatePutRecordBatch measures validation of a full, valid batch:
// the hot path of every PutRecordBatch call.
func BenchmarkValidatePutRecordBatch(b *testing.B) {
	in := &PutRecordBatchInput{DeliveryStreamName: apishape.Ptr("my-delivery-stream")}
	for range 500 {
		in.Records = append(in.Records, Record{Data: make([]byte, 1024)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := in.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

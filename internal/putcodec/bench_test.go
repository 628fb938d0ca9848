package putcodec_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/sluicehq/sluice/internal/putcodec"
)

// batchBody returns a PutRecordBatch body of n records of size bytes each,
// compact (go-v2, JS v3) or with botocore's spacing.
func batchBody(n, size int, spaced bool) []byte {
	sep, colon := ",", ":"
	if spaced {
		sep, colon = ", ", ": "
	}
	var sb strings.Builder
	sb.WriteString(`{"DeliveryStreamName"` + colon + `"bench-stream"` + sep + `"Records"` + colon + `[`)
	data := make([]byte, size)
	for i := range n {
		if i > 0 {
			sb.WriteString(sep)
		}
		_, _ = rand.Read(data)
		sb.WriteString(`{"Data"` + colon + `"` + base64.StdEncoding.EncodeToString(data) + `"}`)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

func BenchmarkDecodeBatch(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"500x1KiB", batchBody(500, 1024, false)},
		{"500x1KiB-botocore", batchBody(500, 1024, true)},
		{"500x100B", batchBody(500, 100, false)},
		{"4x1000000B", batchBody(4, 1_000_000, false)},
		{"500x1KiB-escaped-slash", []byte(strings.ReplaceAll(string(batchBody(500, 1024, false)), "/", `\/`))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var dst putcodec.BatchRequest
			if !putcodec.DecodeBatch(bc.body, &dst) {
				b.Fatal("fast path declined")
			}
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				putcodec.DecodeBatch(bc.body, &dst)
			}
		})
	}
}

// BenchmarkDecodeBatchBaseline is what the fast path replaces.
func BenchmarkDecodeBatchBaseline(b *testing.B) {
	body := batchBody(500, 1024, false)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var v stdBatch
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goccy-go-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var v stdBatch
			if err := gojson.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodePut(b *testing.B) {
	data := make([]byte, 1024)
	_, _ = rand.Read(data)
	body := []byte(`{"DeliveryStreamName":"bench-stream","Record":{"Data":"` + base64.StdEncoding.EncodeToString(data) + `"}}`)
	var dst putcodec.PutRequest
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if !putcodec.DecodePut(body, &dst) {
			b.Fatal("fast path declined")
		}
	}
}

func BenchmarkAppendBatchAccepted(b *testing.B) {
	ids := putcodec.NewIDKey([]byte("bench-salt"))
	var buf []byte
	for b.Loop() {
		buf = putcodec.AppendBatchAccepted(buf[:0], false, ids, 123456789, 0, 500)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
}

func BenchmarkAppendBatchResponse(b *testing.B) {
	ids := putcodec.NewIDKey([]byte("bench-salt"))
	entries := make([]putcodec.Entry, 500)
	for i := range entries {
		if i%10 == 0 {
			entries[i] = putcodec.Entry{ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down."}
			continue
		}
		entries[i] = putcodec.Entry{RecordID: ids.String(42, uint32(i))}
	}
	var buf []byte
	for b.Loop() {
		buf = putcodec.AppendBatchResponse(buf[:0], false, entries)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendPutAccepted(b *testing.B) {
	ids := putcodec.NewIDKey([]byte("bench-salt"))
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = putcodec.AppendPutAccepted(buf[:0], true, ids, 99, 7)
	}
}

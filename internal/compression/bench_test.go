package compression_test

import (
	"bytes"
	"testing"

	"github.com/sluicehq/sluice/internal/compression"
)

// BenchmarkWriter compresses an 8 MiB object of 1 KiB JSON log records,
// written one record per Write as the delivery runner does, reusing one Writer
// and one output buffer across objects. MB/s is input bytes per wall-clock
// second; "ratio" is output/input.
//
//	go test -run '^$' -bench BenchmarkWriter -benchmem ./internal/compression/
func BenchmarkWriter(b *testing.B) {
	records := logRecords(8192)
	total := 0
	for _, r := range records {
		total += len(r)
	}
	for _, f := range allFormats {
		b.Run(string(f), func(b *testing.B) {
			var obj bytes.Buffer
			obj.Grow(total + total/8)
			w, err := compression.NewWriter(f, &obj, entryName)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(total))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				obj.Reset()
				if err := w.Reset(&obj, entryName); err != nil {
					b.Fatal(err)
				}
				for _, r := range records {
					if _, err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(obj.Len())/float64(total), "ratio")
		})
	}
}

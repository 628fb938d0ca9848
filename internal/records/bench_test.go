package records_test

import (
	"crypto/rand"
	"testing"

	"github.com/sluicehq/sluice/internal/records"
)

// benchGroups is one PutRecordBatch of 500 records of 1 KiB, the shape of
// the 200,000 records/s target.
func benchGroups() []records.Group {
	recs := make([][]byte, 500)
	for i := range recs {
		recs[i] = make([]byte, 1024)
		_, _ = rand.Read(recs[i])
	}
	return []records.Group{{ArrivalMS: 1700000000000, Records: recs}}
}

func dataBytes(groups []records.Group) int64 {
	n := 0
	for _, g := range groups {
		for _, r := range g.Records {
			n += len(r)
		}
	}
	return int64(n)
}

// The benchmarks report MB/s of record data.

func BenchmarkAppend(b *testing.B) {
	groups := benchGroups()
	var buf []byte
	b.SetBytes(dataBytes(groups))
	b.ReportAllocs()
	for b.Loop() {
		buf = records.Append(buf[:0], groups...)
	}
}

func BenchmarkAppendSealed(b *testing.B) {
	groups := benchGroups()
	key := newKey(b, 1)
	var buf []byte
	b.SetBytes(dataBytes(groups))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = records.AppendSealed(buf[:0], key, aad, groups...)
	}
}

func BenchmarkRead(b *testing.B) {
	groups := benchGroups()
	msg := records.Append(nil, groups...)
	b.SetBytes(dataBytes(groups))
	b.ReportAllocs()
	for b.Loop() {
		m, err := records.Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		r, err := m.Records()
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	groups := benchGroups()
	key := newKey(b, 1)
	msg, err := records.AppendSealed(nil, key, aad, groups...)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.SetBytes(dataBytes(groups))
	b.ReportAllocs()
	for b.Loop() {
		m, err := records.Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		var r records.Reader
		if r, buf, err = m.Open(buf[:0], key, aad); err != nil {
			b.Fatal(err)
		}
		for r.Next() {
		}
	}
}

// BenchmarkNewDataKey is what caching the AEAD per data key saves per message.
func BenchmarkNewDataKey(b *testing.B) {
	pt := make([]byte, records.DataKeySize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := records.NewDataKey(testKeyID, []byte("wrapped"), pt); err != nil {
			b.Fatal(err)
		}
	}
}

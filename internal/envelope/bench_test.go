package envelope_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/records"
)

// The shape of one full PutRecordBatch: 500 records of 1 KiB. The
// benchmarks report MB/s of record data through the data path's sealer,
// KMS included (its calls are amortised by the data key cache, as in
// production).

func benchGroups() ([]records.Group, int64) {
	recs := make([][]byte, 500)
	for i := range recs {
		recs[i] = make([]byte, 1024)
		_, _ = rand.Read(recs[i])
	}
	return []records.Group{{ArrivalMS: 1_700_000_000_000, Records: recs}}, 500 * 1024
}

func BenchmarkEncodePlain(b *testing.B) {
	f := newFixture(b)
	ds := f.stream(b, "plain", true)
	s := f.sealer(envelope.Config{})
	groups, n := benchGroups()
	var buf []byte
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		buf, _, _ = s.Encode(context.Background(), ds, buf[:0], groups)
	}
}

func BenchmarkEncodeSealed(b *testing.B) {
	f := newFixture(b)
	ds := f.stream(b, "sealed", false)
	s := f.sealer(envelope.Config{})
	groups, n := benchGroups()
	var buf []byte
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, _, err = s.Encode(context.Background(), ds, buf[:0], groups); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	f := newFixture(b)
	ds := f.stream(b, "sealed", false)
	groups, n := benchGroups()
	msg, _, err := f.sealer(envelope.Config{}).Encode(context.Background(), ds, nil, groups)
	if err != nil {
		b.Fatal(err)
	}
	s := f.sealer(envelope.Config{}) // opens through KMS once, then from its cache
	var buf []byte
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		m, err := records.Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		var r records.Reader
		if r, buf, err = s.Open(context.Background(), ds, &m, buf[:0]); err != nil {
			b.Fatal(err)
		}
		for r.Next() {
		}
	}
}

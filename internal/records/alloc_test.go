package records_test

import (
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/records"
)

// TestNoAllocations checks the steady state of every hot path allocates
// nothing once buffers have grown: encode, seal, parse, read, open.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	key := newKey(t, 1)
	groups := []records.Group{{ArrivalMS: 1700000000000, Records: slices.Repeat([][]byte{rep(1024, 'r')}, 500)}}
	plain := records.Append(nil, groups...)
	sealed, err := records.AppendSealed(nil, key, aad, groups...)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 2*len(sealed))
	var open []byte
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"Append", func() { buf = records.Append(buf[:0], groups...) }},
		{"AppendSealed", func() { buf, _ = records.AppendSealed(buf[:0], key, aad, groups...) }},
		{"Parse+Records", func() {
			m, _ := records.Parse(plain)
			r, _ := m.Records()
			for r.Next() {
			}
		}},
		{"Parse+Open", func() {
			m, _ := records.Parse(sealed)
			var r records.Reader
			r, open, _ = m.Open(open[:0], key, aad)
			for r.Next() {
			}
		}},
	} {
		tc.fn() // warm up buffers
		if n := testing.AllocsPerRun(20, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, n)
		}
	}
}

package records_test

import (
	"encoding/binary"
	"testing"

	"github.com/sluicehq/sluice/internal/records"
)

// Run with, for example:
//
//	go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 10m ./internal/records/

// FuzzDecode feeds arbitrary bytes to the decoder: it must return an error
// or a consistent result, and never panic or loop.
func FuzzDecode(f *testing.F) {
	key := newKey(f, 1)
	for _, tc := range groupCases {
		if tc.name == "4 MiB batch" || tc.name == "500 records" {
			continue // too large to be useful seeds
		}
		f.Add(records.Append(nil, tc.groups...))
		sealed, err := records.AppendSealed(nil, key, aad, tc.groups...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sealed)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := records.Parse(msg)
		if err != nil {
			return
		}
		groups, total := 0, 0
		for _, n := range m.Groups() {
			groups++
			total += n
		}
		if total != m.Count() {
			t.Fatalf("groups hold %d records, Count() = %d", total, m.Count())
		}
		var r records.Reader
		if m.Sealed() {
			// Usually fails authentication; the seeds' own key makes the
			// successful path reachable for untouched sealed seeds.
			r, _, err = m.Open(nil, key, aad)
		} else {
			r, err = m.Records()
		}
		if err != nil {
			return
		}
		readAll(t, r)
	})
}

// FuzzRoundTrip encodes records cut from the fuzz input and checks they come
// back unchanged, plain and sealed.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello world"), []byte{1, 2, 0, 5}, int64(1700000000000))
	f.Add([]byte{}, []byte{}, int64(0))
	f.Add(make([]byte, 300), []byte{200, 0, 0, 90, 10}, int64(-5))
	key := newKey(f, 1)
	f.Fuzz(func(t *testing.T, data, cuts []byte, arrival int64) {
		// Each cut byte: low 6 bits = record length, bit 6 = start a new group,
		// bit 7 = move the arrival time back.
		var groups []records.Group
		for i, c := range cuts {
			if len(groups) == 0 || c&0x40 != 0 {
				delta := int64(c) * 1000
				if c&0x80 != 0 {
					delta = -delta
				}
				groups = append(groups, records.Group{ArrivalMS: arrival + delta*int64(i)})
			}
			n := min(int(c&0x3f), len(data))
			g := &groups[len(groups)-1]
			g.Records = append(g.Records, data[:n])
			data = data[n:]
		}
		want := flatten(groups)
		plain := records.Append(binary.AppendUvarint(nil, 42), groups...)[1:]
		m, err := records.Parse(plain)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Records()
		if err != nil {
			t.Fatal(err)
		}
		if !equalFlat(readAll(t, r), want) {
			t.Fatal("plain round trip differs")
		}
		sealed, err := records.AppendSealed(nil, key, aad, groups...)
		if err != nil {
			t.Fatal(err)
		}
		if m, err = records.Parse(sealed); err != nil {
			t.Fatal(err)
		}
		if r, _, err = m.Open(nil, key, aad); err != nil {
			t.Fatal(err)
		}
		if !equalFlat(readAll(t, r), want) {
			t.Fatal("sealed round trip differs")
		}
	})
}

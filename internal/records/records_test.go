package records_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/records"
)

var aad = []byte("arn:aws:firehose:us-east-1:123456789012:deliverystream/s1")

func rep(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

var groupCases = []struct {
	name   string
	groups []records.Group
}{
	{"no groups", nil},
	{"one empty group", []records.Group{{ArrivalMS: 1700000000000}}},
	{"one empty record", []records.Group{{ArrivalMS: 1700000000000, Records: [][]byte{{}}}}},
	{"one record", []records.Group{{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("hello")}}}},
	{"batch", []records.Group{{ArrivalMS: 1700000000123, Records: [][]byte{[]byte("a"), {}, []byte("ccc"), rep(300, 'x')}}}},
	{"several calls", []records.Group{
		{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("first")}},
		{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("same ms"), []byte("x")}},
		{ArrivalMS: 1699999999990, Records: [][]byte{[]byte("earlier clock")}}, // negative delta
		{ArrivalMS: 1700000005000}, // empty group in the middle
		{ArrivalMS: 1700000009999, Records: [][]byte{rep(128, 'y'), rep(127, 'z'), rep(16384, 'w')}},
	}},
	{"extreme times", []records.Group{
		{ArrivalMS: -1 << 63, Records: [][]byte{[]byte("min")}},
		{ArrivalMS: 1<<63 - 1, Records: [][]byte{[]byte("max")}},
		{ArrivalMS: 0, Records: [][]byte{[]byte("zero")}},
	}},
	// Near the PutRecordBatch limit: 4 MiB of data in 5 records of up to
	// 1,024,000 bytes.
	{"4 MiB batch", []records.Group{{ArrivalMS: 1700000000000, Records: [][]byte{
		rep(1_024_000, 1), rep(1_024_000, 2), rep(1_024_000, 3), rep(1_024_000, 4), rep(4<<20-4*1_024_000, 5),
	}}}},
	{"500 records", []records.Group{{ArrivalMS: 1700000000000, Records: slices.Repeat([][]byte{rep(1024, 7)}, 500)}}},
}

func TestRoundTripPlain(t *testing.T) {
	for _, tc := range groupCases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("unrelated prefix")
			buf := records.Append(slices.Clone(prefix), tc.groups...)
			if !bytes.Equal(buf[:len(prefix)], prefix) {
				t.Fatal("prefix clobbered")
			}
			msg := buf[len(prefix):]
			if n := records.EncodedLen(nil, tc.groups...); n != len(msg) {
				t.Fatalf("EncodedLen = %d, message is %d bytes", n, len(msg))
			}
			m, err := records.Parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			if m.Sealed() || m.KeyID() != "" || m.EncryptedDataKey() != nil {
				t.Fatal("plain message reports sealing")
			}
			want := flatten(tc.groups)
			if m.Count() != len(want) {
				t.Fatalf("Count() = %d, want %d", m.Count(), len(want))
			}
			checkGroups(t, &m, tc.groups)
			r, err := m.Records()
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, r); !equalFlat(got, want) {
				t.Fatal("records differ after the round trip")
			}
			if _, _, err := m.Open(nil, newKey(t, 1), aad); !errors.Is(err, records.ErrNotSealed) {
				t.Fatalf("Open on plain: %v, want ErrNotSealed", err)
			}
		})
	}
}

func TestRoundTripSealed(t *testing.T) {
	key := newKey(t, 1)
	for _, tc := range groupCases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("p")
			buf, err := records.AppendSealed(slices.Clone(prefix), key, aad, tc.groups...)
			if err != nil {
				t.Fatal(err)
			}
			msg := buf[len(prefix):]
			if n := records.EncodedLen(key, tc.groups...); n != len(msg) {
				t.Fatalf("EncodedLen = %d, message is %d bytes", n, len(msg))
			}
			for _, r := range flatten(tc.groups) {
				if len(r.data) >= 8 && bytes.Contains(msg, []byte(r.data)) {
					t.Fatal("sealed message contains a record's plaintext")
				}
			}
			m, err := records.Parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Sealed() || m.KeyID() != testKeyID || !bytes.Equal(m.EncryptedDataKey(), key.EncryptedKey()) {
				t.Fatalf("sealing fields: %v %q %q", m.Sealed(), m.KeyID(), m.EncryptedDataKey())
			}
			checkGroups(t, &m, tc.groups)
			if _, err := m.Records(); !errors.Is(err, records.ErrSealed) {
				t.Fatalf("Records on sealed: %v, want ErrSealed", err)
			}
			r, plain, err := m.Open([]byte("dst prefix"), key, aad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(plain, []byte("dst prefix")) {
				t.Fatal("Open clobbered dst")
			}
			if got := readAll(t, r); !equalFlat(got, flatten(tc.groups)) {
				t.Fatal("records differ after the round trip")
			}
		})
	}
}

func checkGroups(t *testing.T, m *records.Message, groups []records.Group) {
	t.Helper()
	i := 0
	for arrival, count := range m.Groups() {
		if i >= len(groups) || arrival != groups[i].ArrivalMS || count != len(groups[i].Records) {
			t.Fatalf("group %d = (%d, %d)", i, arrival, count)
		}
		i++
	}
	if i != len(groups) {
		t.Fatalf("%d groups, want %d", i, len(groups))
	}
}

func TestSealNonceAndCount(t *testing.T) {
	key := newKey(t, 2)
	g := records.Group{ArrivalMS: 1, Records: [][]byte{[]byte("same")}}
	a, err := records.AppendSealed(nil, key, aad, g)
	if err != nil {
		t.Fatal(err)
	}
	b, err := records.AppendSealed(nil, key, aad, g)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same records are identical: nonce reused")
	}
	if key.Seals() != 2 {
		t.Fatalf("Seals() = %d, want 2", key.Seals())
	}
}

// TestOpenRejects covers the ways a sealed message must fail to open.
func TestOpenRejects(t *testing.T) {
	key := newKey(t, 1)
	groups := []records.Group{
		{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("secret one"), []byte("secret two")}},
		{ArrivalMS: 1700000000007, Records: [][]byte{{}}},
	}
	msg, err := records.AppendSealed(nil, key, aad, groups...)
	if err != nil {
		t.Fatal(err)
	}
	other, err := records.AppendSealed(nil, key, aad, records.Group{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("other")}})
	if err != nil {
		t.Fatal(err)
	}
	sameWrappedOtherKey, err := records.NewDataKey(testKeyID, key.EncryptedKey(), rep(records.DataKeySize, 9))
	if err != nil {
		t.Fatal(err)
	}
	otherKeyID, err := records.NewDataKey(testKeyID+"x", key.EncryptedKey(), rep(records.DataKeySize, 1))
	if err != nil {
		t.Fatal(err)
	}

	swapped := append(slices.Clone(msg[:headerLen(t, msg)]), other[headerLen(t, other):]...) // header of msg, body of other

	for _, tc := range []struct {
		name string
		msg  []byte
		key  *records.DataKey
		aad  []byte
		want error
	}{
		{"wrong aad", msg, key, []byte("arn:aws:firehose:us-east-1:123456789012:deliverystream/s2"), records.ErrAuth},
		{"empty aad", msg, key, nil, records.ErrAuth},
		{"wrong key material", msg, sameWrappedOtherKey, aad, records.ErrAuth},
		{"different data key", msg, newKey(t, 3), aad, records.ErrKeyMismatch},
		{"different key id", msg, otherKeyID, aad, records.ErrKeyMismatch},
		{"nil key", msg, nil, aad, records.ErrKeyMismatch},
		{"body of another message", swapped, key, aad, nil}, // Parse or Open fails
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := records.Parse(tc.msg)
			if err == nil {
				_, _, err = m.Open(nil, tc.key, tc.aad)
			}
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// headerLen returns where a message's record section starts.
func headerLen(t *testing.T, msg []byte) int {
	t.Helper()
	m, err := records.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	return records.HeaderLen(&m)
}

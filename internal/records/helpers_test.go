package records_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/internal/records"
)

const testKeyID = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// newKey returns a data key whose plaintext is 32 copies of b and whose
// "encrypted" blob names b, as a KMS would return distinct blobs per key.
func newKey(t testing.TB, b byte) *records.DataKey {
	t.Helper()
	k, err := records.NewDataKey(testKeyID, []byte(fmt.Sprintf("wrapped-key-%d", b)), bytes.Repeat([]byte{b}, records.DataKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type flatRecord struct {
	arrival int64
	data    string
}

func flatten(groups []records.Group) []flatRecord {
	var out []flatRecord
	for _, g := range groups {
		for _, r := range g.Records {
			out = append(out, flatRecord{g.ArrivalMS, string(r)})
		}
	}
	return out
}

// readAll drains r, checking the Reader's own invariants on the way.
func readAll(t testing.TB, r records.Reader) []flatRecord {
	t.Helper()
	var out []flatRecord
	for r.Next() {
		if r.Index() != len(out) {
			t.Fatalf("Index() = %d, want %d", r.Index(), len(out))
		}
		if cap(r.Data()) != len(r.Data()) {
			t.Fatalf("record %d: cap %d > len %d", r.Index(), cap(r.Data()), len(r.Data()))
		}
		out = append(out, flatRecord{r.ArrivalMS(), string(r.Data())})
	}
	if len(out) != r.Len() {
		t.Fatalf("read %d records, Len() = %d", len(out), r.Len())
	}
	return out
}

func equalFlat(a, b []flatRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

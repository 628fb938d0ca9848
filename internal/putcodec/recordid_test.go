package putcodec_test

import (
	"encoding/base64"
	"testing"

	"github.com/sluicehq/sluice/internal/putcodec"
)

func TestRecordIDRoundTrip(t *testing.T) {
	ids := putcodec.NewIDKey([]byte("salt-a"))
	for _, tc := range []struct {
		seq   uint64
		index uint32
	}{{0, 0}, {1, 0}, {1, 1}, {1<<64 - 1, 1<<32 - 1}, {123456789, 499}} {
		id := ids.String(tc.seq, tc.index)
		if len(id) != putcodec.RecordIDLen {
			t.Fatalf("len(%q) = %d, want %d", id, len(id), putcodec.RecordIDLen)
		}
		if _, err := base64.RawStdEncoding.DecodeString(id); err != nil {
			t.Fatalf("%q is not base64: %v", id, err)
		}
		seq, index, err := ids.Parse(id)
		if err != nil || seq != tc.seq || index != tc.index {
			t.Fatalf("Parse(%q) = %d, %d, %v; want %d, %d", id, seq, index, err, tc.seq, tc.index)
		}
		if again := ids.String(tc.seq, tc.index); again != id {
			t.Fatalf("not stable: %q then %q", id, again)
		}
	}
}

func TestRecordIDUnique(t *testing.T) {
	a, b := putcodec.NewIDKey([]byte("salt-a")), putcodec.NewIDKey([]byte("salt-b"))
	seen := map[string]bool{}
	for seq := range uint64(200) {
		for index := range uint32(50) {
			for _, k := range []*putcodec.IDKey{a, b} {
				id := k.String(seq, index)
				if seen[id] {
					t.Fatalf("duplicate id %q", id)
				}
				seen[id] = true
			}
		}
	}
}

func TestRecordIDParseRejects(t *testing.T) {
	a, b := putcodec.NewIDKey([]byte("salt-a")), putcodec.NewIDKey([]byte("salt-b"))
	foreign := b.String(1, 2)
	for _, id := range []string{"", "x", foreign, foreign + "A", foreign[:putcodec.RecordIDLen-1] + "!", "AAAAAAAAAAAAAAAAAAAAAA"} {
		if _, _, err := a.Parse(id); err == nil {
			t.Errorf("Parse(%q) accepted", id)
		}
	}
}

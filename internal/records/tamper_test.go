package records_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/records"
)

// TestTamperSealed flips every bit of a sealed message, one at a time: the
// header, the key id, the encrypted data key, the nonce, the ciphertext and
// the tag are all covered, and every flip must make Parse or Open fail.
func TestTamperSealed(t *testing.T) {
	key := newKey(t, 1)
	msg, err := records.AppendSealed(nil, key, aad,
		records.Group{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("alpha"), []byte("beta")}},
		records.Group{ArrivalMS: 1700000000050, Records: [][]byte{[]byte("gamma")}},
	)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msg {
		for bit := range 8 {
			bad := slices.Clone(msg)
			bad[i] ^= 1 << bit
			m, err := records.Parse(bad)
			if err != nil {
				continue
			}
			// Open with the key the (possibly altered) header names, as the
			// consumer would after looking the blob up in KMS. A flip in the
			// key id or blob gives ErrKeyMismatch here; try the real key
			// material under the altered names too, so only GCM can save it.
			k := key
			if m.KeyID() != key.KeyID() || !bytes.Equal(m.EncryptedDataKey(), key.EncryptedKey()) {
				if k, err = records.NewDataKey(m.KeyID(), m.EncryptedDataKey(), rep(records.DataKeySize, 1)); err != nil {
					continue
				}
			}
			if _, _, err := m.Open(nil, k, aad); err == nil {
				t.Fatalf("flipping bit %d of byte %d (header is %d bytes) went unnoticed", bit, i, headerLen(t, msg))
			}
		}
	}
}

// TestTruncated cuts valid messages at every length: decoding must fail
// with an error, never panic and never return fewer records silently.
func TestTruncated(t *testing.T) {
	groups := []records.Group{
		{ArrivalMS: 1700000000000, Records: [][]byte{[]byte("alpha"), {}, rep(200, 'b')}},
		{ArrivalMS: 1700000000001, Records: [][]byte{[]byte("c")}},
	}
	key := newKey(t, 1)
	sealed, err := records.AppendSealed(nil, key, aad, groups...)
	if err != nil {
		t.Fatal(err)
	}
	for name, msg := range map[string][]byte{"plain": records.Append(nil, groups...), "sealed": sealed} {
		for n := range len(msg) {
			m, err := records.Parse(msg[:n])
			if err != nil {
				if !errors.Is(err, records.ErrCorrupt) {
					t.Fatalf("%s cut at %d: %v does not wrap ErrCorrupt", name, n, err)
				}
				continue
			}
			if m.Sealed() {
				_, _, err = m.Open(nil, key, aad)
			} else {
				_, err = m.Records()
			}
			if err == nil {
				t.Fatalf("%s cut at %d of %d decoded", name, n, len(msg))
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	valid := records.Append(nil, records.Group{ArrivalMS: 5, Records: [][]byte{[]byte("x")}})
	with := func(i int, b byte) []byte { m := slices.Clone(valid); m[i] = b; return m }
	for _, tc := range []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, records.ErrCorrupt},
		{"bad magic", with(0, 'X'), records.ErrCorrupt},
		{"future version", with(2, 2), records.ErrVersion},
		{"unknown flag", with(3, 0x80), records.ErrCorrupt},
		{"count too large", with(4, 9), records.ErrCorrupt},
		{"count overflow", append([]byte{'S', 'R', 1, 0}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), records.ErrCorrupt},
		{"group count too large", []byte{'S', 'R', 1, 0, 0, 100, 0, 0}, records.ErrCorrupt},
		{"group sum short", []byte{'S', 'R', 1, 0, 1, 1, 0, 0, 1, 'x'}, records.ErrCorrupt},
		{"group sum long", []byte{'S', 'R', 1, 0, 1, 2, 0, 1, 0, 1, 1, 'x'}, records.ErrCorrupt},
		{"sealed without fields", []byte{'S', 'R', 1, 1, 0, 0}, records.ErrCorrupt},
		{"sealed empty key id", append([]byte{'S', 'R', 1, 1, 0, 0, 0, 1, 'k'}, make([]byte, 28)...), records.ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := records.Parse(tc.msg); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Header fine, record section wrong.
	for _, tc := range []struct {
		name string
		msg  []byte
	}{
		{"trailing bytes", append(slices.Clone(valid), 0)},
		{"record longer than message", []byte{'S', 'R', 1, 0, 1, 1, 0, 1, 5, 'x'}},
		{"bad length varint", []byte{'S', 'R', 1, 0, 1, 1, 0, 1, 0x80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := records.Parse(tc.msg)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := m.Records(); !errors.Is(err, records.ErrCorrupt) {
				t.Fatalf("Records: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestNewDataKeyRejects(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keyID     string
		encrypted []byte
		plaintext []byte
	}{
		{"short key", testKeyID, []byte("w"), rep(16, 1)},
		{"long key", testKeyID, []byte("w"), rep(33, 1)},
		{"no key id", "", []byte("w"), rep(32, 1)},
		{"long key id", string(rep(records.MaxKeyIDLen+1, 'a')), []byte("w"), rep(32, 1)},
		{"no encrypted key", testKeyID, nil, rep(32, 1)},
		{"long encrypted key", testKeyID, rep(records.MaxEncryptedKeyLen+1, 1), rep(32, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := records.NewDataKey(tc.keyID, tc.encrypted, tc.plaintext); !errors.Is(err, records.ErrBadDataKey) {
				t.Fatalf("err = %v, want ErrBadDataKey", err)
			}
		})
	}
	if _, err := records.AppendSealed(nil, nil, aad); err == nil {
		t.Fatal("AppendSealed accepted a nil key")
	}
}

// TestLongestHeaderFields seals with the largest key id and blob a header
// may carry.
func TestLongestHeaderFields(t *testing.T) {
	k, err := records.NewDataKey(string(rep(records.MaxKeyIDLen, 'a')), rep(records.MaxEncryptedKeyLen, 2), rep(32, 3))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := records.AppendSealed(nil, k, aad, records.Group{ArrivalMS: 1, Records: [][]byte{[]byte("r")}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := records.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := m.Open(nil, k, aad)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r); len(got) != 1 || got[0].data != "r" {
		t.Fatalf("got %v", got)
	}
}

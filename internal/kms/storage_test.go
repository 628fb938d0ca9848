package kms

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// TestService_MaterialNeverStoredInPlaintext unwraps every key's material
// and scans every catalog value for it, raw and in the usual encodings.
func TestService_MaterialNeverStoredInPlaintext(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for range 5 {
		m := f.createKey(t, alice)
		ids = append(ids, m.KeyID)
		_, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: m.KeyID, Plaintext: []byte("warm the cache")})
		must(t, err)
		must(t, f.svc.TagResource(ctx, alice, m.KeyID, []Tag{{TagKey: "t", TagValue: "v"}}))
	}
	entries, err := f.store.List(ctx, "")
	must(t, err)
	for _, id := range ids {
		e, err := f.store.Get(ctx, keyPath(alice, id))
		must(t, err)
		rec, err := decodeRecord[keyRecord](e)
		must(t, err)
		material, err := f.svc.unwrapMaterial(rec)
		must(t, err)
		if len(material) != materialSize {
			t.Fatalf("material of %d bytes", len(material))
		}
		forms := [][]byte{
			material,
			[]byte(hex.EncodeToString(material)),
			[]byte(base64.StdEncoding.EncodeToString(material)[:40]),
			[]byte(base64.RawURLEncoding.EncodeToString(material)[:40]),
		}
		for _, e := range entries {
			for _, form := range forms {
				if bytes.Contains(e.Value, form) {
					t.Fatalf("catalog entry %s contains key material of %s", e.Key, id)
				}
			}
		}
	}
}

func TestService_WrappedMaterialIsBoundToItsKey(t *testing.T) {
	// Material copied from one key record into another must not unwrap.
	f := newFixture(t)
	a := f.createKey(t, alice)
	b := f.createKey(t, alice)
	ctx := context.Background()
	ea, err := f.store.Get(ctx, keyPath(alice, a.KeyID))
	must(t, err)
	ra, err := decodeRecord[keyRecord](ea)
	must(t, err)
	eb, err := f.store.Get(ctx, keyPath(alice, b.KeyID))
	must(t, err)
	rb, err := decodeRecord[keyRecord](eb)
	must(t, err)
	rb.Material = ra.Material
	if _, err := f.svc.unwrapMaterial(rb); err == nil {
		t.Fatal("material of key a unwrapped as key b's")
	}
}

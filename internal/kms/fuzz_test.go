package kms

import (
	"context"
	"testing"
)

// FuzzDecrypt feeds arbitrary blobs to Decrypt: it must never panic and
// never answer anything but InvalidCiphertextException or a validation
// error (the one real key in the catalog cannot be hit by chance).
func FuzzDecrypt(f *testing.F) {
	fx := newFixture(f)
	m, err := fx.svc.CreateKey(context.Background(), alice, CreateKeyInput{})
	if err != nil {
		f.Fatal(err)
	}
	enc, err := fx.svc.Encrypt(context.Background(), alice, EncryptInput{KeyID: m.KeyID, Plaintext: []byte("seed")})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc.CiphertextBlob)
	f.Add([]byte{})
	f.Add([]byte{blobVersion1})
	f.Fuzz(func(t *testing.T, blob []byte) {
		out, err := fx.svc.Decrypt(context.Background(), alice, DecryptInput{CiphertextBlob: blob})
		if err == nil {
			if string(out.Plaintext) != "seed" {
				t.Fatalf("decrypted a forged blob to %q", out.Plaintext)
			}
			return
		}
		if c := CodeOf(err); c != CodeInvalidCiphertext && c != CodeValidation {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzParseGrantToken(f *testing.F) {
	fx := newFixture(f)
	tok, err := fx.svc.newGrantToken(alice, "k", "g")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		g, err := fx.svc.parseGrantToken(s)
		if err == nil && (g.keyID != "k" || g.grantID != "g") {
			t.Fatalf("forged token accepted: %+v", g)
		}
		if err != nil && CodeOf(err) != CodeInvalidGrantToken {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func FuzzMarker(f *testing.F) {
	f.Add(encodeMarker("keys", "abc"))
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		after, ok := decodeMarker("keys", s)
		if ok && encodeMarker("keys", after) != s {
			// Several encodings may decode alike; they must still resume
			// at the same place, which the round trip of after shows.
			if a2, ok2 := decodeMarker("keys", encodeMarker("keys", after)); !ok2 || a2 != after {
				t.Fatalf("marker %q does not round-trip", s)
			}
		}
	})
}

package putcodec

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"testing"
)

// BenchmarkBase64 compares the fast decoder with encoding/base64 on one
// 1 KiB record.
func BenchmarkBase64(b *testing.B) {
	raw := make([]byte, 1024)
	_, _ = rand.Read(raw)
	src := []byte(base64.StdEncoding.EncodeToString(raw) + `"`)
	out := make([]byte, len(src))
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(src) - 1))
		for b.Loop() {
			if _, _, ok := b64Fast(out, src, 0); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encoding-base64", func(b *testing.B) {
		b.SetBytes(int64(len(src) - 1))
		for b.Loop() {
			if _, err := base64.StdEncoding.Decode(out, src[:len(src)-1]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzBase64 checks the fast decoders directly against encoding/base64: when
// they accept a string, the bytes must be what the standard decoder returns.
func FuzzBase64(f *testing.F) {
	for _, s := range []string{"", "QQ==", "QUI=", "QUJD", "QR==", "QUJDREVGR0g=", `Lys\/`, "QQ", "Q===", "QQ==QQ==", "QUJD\nREVG"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src := []byte(s + `"`)
		out := make([]byte, len(src)/4*3+16)
		if n, next, ok := b64Fast(out, src, 0); ok {
			// A JSON string cannot hold raw control characters, although
			// encoding/base64 skips '\r' and '\n': the fast path must not.
			if bytes.ContainsFunc(src[:next-1], func(r rune) bool { return r < 0x20 }) {
				t.Fatalf("b64Fast(%q) accepted a control character", s)
			}
			want, err := base64.StdEncoding.DecodeString(s[:next-1])
			if err != nil || string(out[:n]) != string(want) {
				t.Fatalf("b64Fast(%q) = %x, encoding/base64: %x, %v", s, out[:n], want, err)
			}
		}
		if n, next, _, ok := b64Slashes(out, src, 0, nil); ok {
			unescaped := bytes.ReplaceAll(src[:next-1], []byte(`\/`), []byte("/"))
			want, err := base64.StdEncoding.DecodeString(string(unescaped))
			if err != nil || string(out[:n]) != string(want) {
				t.Fatalf("b64Slashes(%q) = %x, encoding/base64: %x, %v", s, out[:n], want, err)
			}
		}
	})
}

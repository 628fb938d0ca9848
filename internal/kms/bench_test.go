package kms

import (
	"context"
	"testing"
)

// The hot path of Firehose SSE: one catalog read plus AES-GCM with cached,
// already-unwrapped material. Timings are reported, never asserted.
func BenchmarkGenerateDataKey(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	m, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	in := GenerateDataKeyInput{KeyID: m.Arn, KeySpec: DataKeySpecAES256, EncryptionContext: map[string]string{"aws:firehose:arn": "s"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.GenerateDataKey(ctx, alice, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	m, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	ec := map[string]string{"aws:firehose:arn": "s"}
	dk, err := f.svc.GenerateDataKey(ctx, alice, GenerateDataKeyInput{KeyID: m.KeyID, KeySpec: DataKeySpecAES256, EncryptionContext: ec})
	if err != nil {
		b.Fatal(err)
	}
	in := DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Decrypt(ctx, alice, in); err != nil {
			b.Fatal(err)
		}
	}
}

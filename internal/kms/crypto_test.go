package kms

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestService_EncryptDecryptRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/rt", m.KeyID))
	ec := map[string]string{"aws:firehose:arn": "arn:aws:firehose:us-east-1:111111111111:deliverystream/s", "b": "2"}

	for _, ref := range []string{m.KeyID, m.Arn, "alias/rt", "arn:aws:kms:us-east-1:111111111111:alias/rt"} {
		for _, size := range []int{1, 100, MaxPlaintextSize} {
			pt := bytes.Repeat([]byte{0xA5}, size)
			enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: ref, Plaintext: pt, EncryptionContext: ec})
			must(t, err)
			if enc.KeyID != m.Arn || enc.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
				t.Fatalf("Encrypt output %+v", enc)
			}
			if len(enc.CiphertextBlob) > MaxCiphertextSize || size >= 16 && bytes.Contains(enc.CiphertextBlob, pt) {
				t.Fatalf("bad ciphertext of %d bytes", len(enc.CiphertextBlob))
			}
			// The context map is rebuilt in another order: only content counts.
			ec2 := map[string]string{"b": "2", "aws:firehose:arn": ec["aws:firehose:arn"]}
			dec, err := f.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec2})
			must(t, err)
			if !bytes.Equal(dec.Plaintext, pt) || dec.KeyID != m.Arn || dec.KeyMaterialID != m.CurrentKeyMaterialID || dec.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
				t.Fatalf("Decrypt output %+v", dec)
			}
		}
	}
}

func TestService_DecryptFailures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	other := f.createKey(t, alice)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/other", other.KeyID))
	ec := map[string]string{"purpose": "test"}
	enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: m.KeyID, Plaintext: []byte("hello"), EncryptionContext: ec})
	must(t, err)
	blob := enc.CiphertextBlob

	flip := func(i int) []byte {
		b := bytes.Clone(blob)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name      string
		in        DecryptInput
		code, msg string
	}{
		{"no context", DecryptInput{CiphertextBlob: blob}, CodeInvalidCiphertext, ""},
		{"wrong context value", DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purpose": "other"}}, CodeInvalidCiphertext, ""},
		{"extra context", DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purpose": "test", "x": "y"}}, CodeInvalidCiphertext, ""},
		{"context split differently", DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purposet": "est"}}, CodeInvalidCiphertext, ""},
		{"tampered version", DecryptInput{CiphertextBlob: flip(0), EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"tampered key id", DecryptInput{CiphertextBlob: flip(5), EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"tampered nonce", DecryptInput{CiphertextBlob: flip(20), EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"tampered body", DecryptInput{CiphertextBlob: flip(30), EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"tampered tag", DecryptInput{CiphertextBlob: flip(len(blob) - 1), EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"truncated", DecryptInput{CiphertextBlob: blob[:len(blob)-1], EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"too short", DecryptInput{CiphertextBlob: blob[:20], EncryptionContext: ec}, CodeInvalidCiphertext, ""},
		{"garbage", DecryptInput{CiphertextBlob: []byte("definitely not a ciphertext blob at all")}, CodeInvalidCiphertext, ""},
		{"empty", DecryptInput{}, CodeValidation, ""},
		{"too long", DecryptInput{CiphertextBlob: make([]byte, MaxCiphertextSize+1)}, CodeValidation, ""},
		{"incorrect key id", DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyID: other.KeyID}, CodeIncorrectKey,
			"The key ID in the request does not identify a CMK that can perform this operation."},
		{"incorrect key alias", DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyID: "alias/other"}, CodeIncorrectKey, msgIncorrectKey},
		{"unknown key id", DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyID: "alias/none"}, CodeNotFound, ""},
		{"rsa algorithm", DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, EncryptionAlgorithm: "RSAES_OAEP_SHA_256"}, CodeInvalidKeyUsage, ""},
		{"dry run", DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, DryRun: true}, CodeDryRun, msgDryRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.svc.Decrypt(ctx, alice, tt.in)
			wantErr(t, err, tt.code, tt.msg)
			if out.Plaintext != nil {
				t.Fatal("plaintext returned with an error")
			}
			if tt.code == CodeInvalidCiphertext && err.(*Error).Message != "" {
				t.Fatalf("InvalidCiphertextException must have no message, got %q", err.(*Error).Message)
			}
		})
	}
	// The matching KeyId is accepted in every form.
	for _, ref := range []string{m.KeyID, m.Arn} {
		_, err := f.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyID: ref})
		must(t, err)
	}
}

func TestService_EncryptRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	sign, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: KeyUsageSignVerify})
	must(t, err)
	rsaEnc, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: KeyUsageEncryptDecrypt})
	must(t, err)
	hmacKey, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{KeySpec: "HMAC_256", KeyUsage: KeyUsageGenerateVerifyMAC})
	must(t, err)

	tests := []struct {
		name      string
		in        EncryptInput
		code, msg string
	}{
		{"empty plaintext", EncryptInput{KeyID: m.KeyID}, CodeValidation,
			"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"plaintext too long", EncryptInput{KeyID: m.KeyID, Plaintext: make([]byte, 4097)}, CodeValidation,
			"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"sign key", EncryptInput{KeyID: sign.KeyID, Plaintext: []byte("x")}, CodeInvalidKeyUsage,
			sign.Arn + " key usage is SIGN_VERIFY which is not valid for Encrypt."},
		{"hmac key", EncryptInput{KeyID: hmacKey.KeyID, Plaintext: []byte("x")}, CodeInvalidKeyUsage,
			hmacKey.Arn + " key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt."},
		{"asymmetric encryption key", EncryptInput{KeyID: rsaEnc.KeyID, Plaintext: []byte("x")}, CodeInvalidKeyUsage, ""},
		{"rsa algorithm on symmetric key", EncryptInput{KeyID: m.KeyID, Plaintext: []byte("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_1"}, CodeInvalidKeyUsage, ""},
		{"dry run", EncryptInput{KeyID: m.KeyID, Plaintext: []byte("x"), DryRun: true}, CodeDryRun, msgDryRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Encrypt(ctx, alice, tt.in)
			wantErr(t, err, tt.code, tt.msg)
		})
	}
	_, err = f.svc.GenerateDataKey(ctx, alice, GenerateDataKeyInput{KeyID: rsaEnc.KeyID, KeySpec: DataKeySpecAES256})
	wantErr(t, err, CodeInvalidKeyUsage, rsaEnc.Arn+" key spec is RSA_2048 which is not valid for GenerateDataKey.")
}

func TestService_GenerateDataKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	ec := map[string]string{"aws:firehose:arn": "s"}
	tests := []struct {
		name      string
		spec      string
		n         int
		size      int
		code, msg string
	}{
		{name: "aes256", spec: "AES_256", size: 32},
		{name: "aes128", spec: "AES_128", size: 16},
		{name: "bytes", n: 1024, size: 1024},
		{name: "one byte", n: 1, size: 1},
		{name: "neither", code: CodeValidation, msg: "NumberOfBytes is required."},
		{name: "both", spec: "AES_256", n: 32, code: CodeValidation},
		{name: "too many bytes", n: 1025, code: CodeValidation,
			msg: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"},
		{name: "bad spec", spec: "AES_512", code: CodeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := GenerateDataKeyInput{KeyID: m.KeyID, KeySpec: tt.spec, NumberOfBytes: tt.n, EncryptionContext: ec}
			out, err := f.svc.GenerateDataKey(ctx, alice, in)
			if tt.code != "" {
				wantErr(t, err, tt.code, tt.msg)
				return
			}
			must(t, err)
			if len(out.Plaintext) != tt.size || out.KeyID != m.Arn || out.KeyMaterialID != m.CurrentKeyMaterialID {
				t.Fatalf("output %+v", out)
			}
			dec, err := f.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec})
			must(t, err)
			if !bytes.Equal(dec.Plaintext, out.Plaintext) {
				t.Fatal("data key does not decrypt to its plaintext")
			}
			wp, err := f.svc.GenerateDataKeyWithoutPlaintext(ctx, alice, in)
			must(t, err)
			if wp.Plaintext != nil || len(wp.CiphertextBlob) == 0 {
				t.Fatalf("WithoutPlaintext output %+v", wp)
			}
			dec, err = f.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: wp.CiphertextBlob, EncryptionContext: ec})
			must(t, err)
			if len(dec.Plaintext) != tt.size {
				t.Fatalf("WithoutPlaintext data key has %d bytes", len(dec.Plaintext))
			}
		})
	}
	_, err := f.svc.GenerateDataKey(ctx, alice, GenerateDataKeyInput{KeyID: m.KeyID, KeySpec: "AES_256", DryRun: true})
	wantErr(t, err, CodeDryRun, msgDryRun)
}

func TestService_ReEncrypt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src := f.createKey(t, alice)
	dst := f.createKey(t, alice)
	enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: src.KeyID, Plaintext: []byte("move me"), EncryptionContext: map[string]string{"a": "1"}})
	must(t, err)
	out, err := f.svc.ReEncrypt(ctx, alice, ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: map[string]string{"a": "1"},
		DestinationKeyID: dst.Arn, DestinationEncryptionContext: map[string]string{"b": "2"},
	})
	must(t, err)
	if out.SourceKeyID != src.Arn || out.KeyID != dst.Arn || out.SourceKeyMaterialID != src.CurrentKeyMaterialID ||
		out.DestinationKeyMaterialID != dst.CurrentKeyMaterialID {
		t.Fatalf("ReEncrypt output %+v", out)
	}
	dec, err := f.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: map[string]string{"b": "2"}})
	must(t, err)
	if string(dec.Plaintext) != "move me" || dec.KeyID != dst.Arn {
		t.Fatalf("decrypt after ReEncrypt: %+v", dec)
	}
	_, err = f.svc.ReEncrypt(ctx, alice, ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyID: dst.KeyID})
	wantErr(t, err, CodeInvalidCiphertext, "")
	_, err = f.svc.ReEncrypt(ctx, alice, ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: map[string]string{"a": "1"}, SourceKeyID: dst.KeyID, DestinationKeyID: dst.KeyID,
	})
	wantErr(t, err, CodeIncorrectKey, msgIncorrectKey)
	_, err = f.svc.ReEncrypt(ctx, alice, ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: map[string]string{"a": "1"}, DestinationKeyID: dst.KeyID, DryRun: true,
	})
	wantErr(t, err, CodeDryRun, msgDryRun)
}

func TestService_CiphertextSurvivesRestart(t *testing.T) {
	// A second Service with the same root key (a restart, or another node)
	// decrypts; one with another root key cannot.
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: m.KeyID, Plaintext: []byte("durable")})
	must(t, err)

	again, err := NewService(Config{}, f.store, f.root, f.clock.Now)
	must(t, err)
	dec, err := again.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	must(t, err)
	if string(dec.Plaintext) != "durable" {
		t.Fatalf("plaintext %q", dec.Plaintext)
	}

	wrongRoot := bytes.Repeat([]byte{9}, RootKeySize)
	stranger, err := NewService(Config{}, f.store, wrongRoot, f.clock.Now)
	must(t, err)
	_, err = stranger.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if err == nil || CodeOf(err) != "" || !strings.Contains(err.Error(), "wrong root key") {
		t.Fatalf("decrypt under another root key: %v", err)
	}
}

func TestCanonicalContext(t *testing.T) {
	a := canonicalContext(map[string]string{"ab": "c"})
	b := canonicalContext(map[string]string{"a": "bc"})
	if bytes.Equal(a, b) {
		t.Fatal("different contexts serialize alike")
	}
	x := canonicalContext(map[string]string{"k1": "v1", "k2": "v2", "k0": ""})
	for range 20 {
		if !bytes.Equal(x, canonicalContext(map[string]string{"k2": "v2", "k0": "", "k1": "v1"})) {
			t.Fatal("serialization depends on map order")
		}
	}
	if canonicalContext(nil) != nil || canonicalContext(map[string]string{}) != nil {
		t.Fatal("empty context is not empty")
	}
}

package kms

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
)

func TestService_CreateKeyDefaults(t *testing.T) {
	f := newFixture(t)
	m := f.createKey(t, alice)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(m.KeyID) {
		t.Errorf("key id %q is not a lowercase UUID v4", m.KeyID)
	}
	wantARN := "arn:aws:kms:us-east-1:111111111111:key/" + m.KeyID
	if m.Arn != wantARN {
		t.Errorf("arn = %q, want %q", m.Arn, wantARN)
	}
	if m.AWSAccountID != alice.AccountID || !m.Enabled || m.KeyState != KeyStateEnabled ||
		m.KeyUsage != KeyUsageEncryptDecrypt || m.KeySpec != KeySpecSymmetricDefault ||
		m.CustomerMasterKeySpec != KeySpecSymmetricDefault || m.Origin != OriginAWSKMS ||
		m.KeyManager != "CUSTOMER" || m.Description != "" || m.MultiRegion {
		t.Errorf("unexpected metadata %+v", m)
	}
	if !slices.Equal(m.EncryptionAlgorithms, []string{"SYMMETRIC_DEFAULT"}) {
		t.Errorf("EncryptionAlgorithms = %v", m.EncryptionAlgorithms)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(m.CurrentKeyMaterialID) {
		t.Errorf("CurrentKeyMaterialID = %q", m.CurrentKeyMaterialID)
	}
	if !m.CreationDate.Equal(f.clock.Now()) {
		t.Errorf("CreationDate = %v", m.CreationDate)
	}
	if !m.DeletionDate.IsZero() {
		t.Errorf("DeletionDate set on a new key")
	}
	policy, name, err := f.svc.GetKeyPolicy(context.Background(), alice, m.KeyID, "")
	must(t, err)
	if name != "default" || !regexp.MustCompile(`"AWS" : "arn:aws:iam::111111111111:root"`).MatchString(policy) {
		t.Errorf("default policy %q (name %q)", policy, name)
	}
}

func TestService_CreateKeySpecs(t *testing.T) {
	tests := []struct {
		name    string
		in      CreateKeyInput
		code    string
		msg     string
		check   func(KeyMetadata) bool
		comment string
	}{
		{name: "rsa sign", in: CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: KeyUsageSignVerify},
			check: func(m KeyMetadata) bool {
				return len(m.SigningAlgorithms) == 6 && m.EncryptionAlgorithms == nil && m.CurrentKeyMaterialID == ""
			}},
		{name: "rsa encrypt", in: CreateKeyInput{KeySpec: "RSA_4096", KeyUsage: KeyUsageEncryptDecrypt},
			check: func(m KeyMetadata) bool {
				return slices.Equal(m.EncryptionAlgorithms, []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"})
			}},
		{name: "ecc", in: CreateKeyInput{KeySpec: "ECC_NIST_P384", KeyUsage: KeyUsageSignVerify},
			check: func(m KeyMetadata) bool { return slices.Equal(m.SigningAlgorithms, []string{"ECDSA_SHA_384"}) }},
		{name: "hmac", in: CreateKeyInput{KeySpec: "HMAC_256", KeyUsage: KeyUsageGenerateVerifyMAC},
			check: func(m KeyMetadata) bool { return slices.Equal(m.MacAlgorithms, []string{"HMAC_SHA_256"}) }},
		{name: "deprecated spec name", in: CreateKeyInput{CustomerMasterKeySpec: "ECC_NIST_P256", KeyUsage: KeyUsageKeyAgreement},
			check: func(m KeyMetadata) bool {
				return m.KeySpec == "ECC_NIST_P256" && slices.Equal(m.KeyAgreementAlgorithms, []string{"ECDH"})
			}},
		{name: "usage required", in: CreateKeyInput{KeySpec: "RSA_2048"}, code: CodeValidation,
			msg: "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."},
		{name: "usage required for hmac", in: CreateKeyInput{KeySpec: "HMAC_512"}, code: CodeValidation},
		{name: "incompatible usage", in: CreateKeyInput{KeySpec: "HMAC_512", KeyUsage: KeyUsageEncryptDecrypt}, code: CodeValidation},
		{name: "symmetric sign", in: CreateKeyInput{KeyUsage: KeyUsageSignVerify}, code: CodeValidation},
		{name: "both spec fields", in: CreateKeyInput{KeySpec: "RSA_2048", CustomerMasterKeySpec: "RSA_2048", KeyUsage: KeyUsageSignVerify}, code: CodeValidation},
		{name: "external origin", in: CreateKeyInput{Origin: "EXTERNAL"}, code: CodeUnsupportedOperation},
		{name: "multi-region", in: CreateKeyInput{MultiRegion: true}, code: CodeUnsupportedOperation},
		{name: "bad policy", in: CreateKeyInput{Policy: "not json"}, code: CodeMalformedPolicy},
		{name: "reserved tag", in: CreateKeyInput{Tags: []Tag{{TagKey: "aws:x", TagValue: "1"}}}, code: CodeTag, msg: "Tags beginning with aws: are reserved"},
		{name: "duplicate tags", in: CreateKeyInput{Tags: []Tag{{TagKey: "a"}, {TagKey: "a"}}}, code: CodeTag, msg: "Duplicate tag keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			m, err := f.svc.CreateKey(context.Background(), alice, tt.in)
			if tt.code != "" {
				wantErr(t, err, tt.code, tt.msg)
				return
			}
			must(t, err)
			if !tt.check(m) {
				t.Errorf("unexpected metadata %+v", m)
			}
		})
	}
}

func TestService_KeyResolution(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/app", m.KeyID))
	unknown := "0b0e7c1a-8d44-4c1e-9a55-3f1b2a4c5d6e"

	tests := []struct {
		name       string
		ref        string
		allowAlias bool
		code, msg  string
	}{
		{"key id", m.KeyID, false, "", ""},
		{"key arn", m.Arn, false, "", ""},
		{"alias name", "alias/app", true, "", ""},
		{"alias arn", "arn:aws:kms:us-east-1:111111111111:alias/app", true, "", ""},
		{"alias refused for management", "alias/app", false, CodeNotFound, "Invalid keyId 'alias/app'"},
		{"malformed", "fake-key-id", true, CodeNotFound, "Invalid keyId 'fake-key-id'"},
		{"unknown id", unknown, true, CodeNotFound, "Key 'arn:aws:kms:us-east-1:111111111111:key/" + unknown + "' does not exist"},
		{"unknown arn", "arn:aws:kms:us-east-1:111111111111:key/" + unknown, true, CodeNotFound,
			"Key 'arn:aws:kms:us-east-1:111111111111:key/" + unknown + "' does not exist"},
		{"other region arn", "arn:aws:kms:eu-west-1:111111111111:key/" + m.KeyID, true, CodeNotFound, "Invalid arn eu-west-1"},
		{"other account arn", "arn:aws:kms:us-east-1:222222222222:key/" + m.KeyID, true, CodeNotFound,
			"Key 'arn:aws:kms:us-east-1:222222222222:key/" + m.KeyID + "' does not exist"},
		{"unknown alias", "alias/nope", true, CodeNotFound, "Alias arn:aws:kms:us-east-1:111111111111:alias/nope is not found."},
		{"unknown alias arn", "arn:aws:kms:us-east-1:111111111111:alias/nope", true, CodeNotFound,
			"Alias arn:aws:kms:us-east-1:111111111111:alias/nope is not found."},
		{"multi-region id", "mrk-0123456789abcdef0123456789abcdef", true, CodeNotFound,
			"Key 'arn:aws:kms:us-east-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef' does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ck, err := f.svc.resolve(ctx, alice, tt.ref, tt.allowAlias)
			if tt.code != "" {
				wantErr(t, err, tt.code, tt.msg)
				return
			}
			must(t, err)
			if ck.rec.KeyID != m.KeyID {
				t.Fatalf("resolved %s, want %s", ck.rec.KeyID, m.KeyID)
			}
		})
	}
}

func TestService_ListKeysPagination(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var want []string
	for range 7 {
		want = append(want, f.createKey(t, alice).KeyID)
	}
	f.createKey(t, bob) // never listed for alice
	slices.Sort(want)

	var got []string
	marker := ""
	pages := 0
	for {
		keys, pr, err := f.svc.ListKeys(ctx, alice, Page{Limit: 3, Marker: marker})
		must(t, err)
		pages++
		for _, k := range keys {
			got = append(got, k.KeyID)
			if k.KeyArn != f.svc.keyARN(alice, k.KeyID) {
				t.Errorf("KeyArn %s", k.KeyArn)
			}
		}
		if !pr.Truncated {
			if pr.NextMarker != "" {
				t.Errorf("NextMarker set on the last page")
			}
			break
		}
		marker = pr.NextMarker
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("pages=%d got %v, want %v", pages, got, want)
	}

	all, pr, err := f.svc.ListKeys(ctx, alice, Page{})
	must(t, err)
	if len(all) != 7 || pr.Truncated {
		t.Fatalf("default page: %d keys, truncated %v", len(all), pr.Truncated)
	}
	for _, bad := range []string{"garbage!", encodeMarker("aliases", want[0])} {
		_, _, err = f.svc.ListKeys(ctx, alice, Page{Marker: bad})
		wantErr(t, err, CodeInvalidMarker, "")
	}
}

func TestService_KeyQuota(t *testing.T) {
	f := newFixtureWith(t, Config{MaxKeysPerRegion: 2})
	ctx := context.Background()
	f.createKey(t, alice)
	f.createKey(t, alice)
	f.createKey(t, bob) // quotas are per account and region
	_, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{})
	wantErr(t, err, CodeLimitExceeded, "")
}

func TestService_EnableDisableDescription(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	must(t, f.svc.DisableKey(ctx, alice, m.Arn))
	must(t, f.svc.DisableKey(ctx, alice, m.KeyID)) // no-op
	d, err := f.svc.DescribeKey(ctx, alice, m.KeyID)
	must(t, err)
	if d.Enabled || d.KeyState != KeyStateDisabled {
		t.Fatalf("after DisableKey: %+v", d)
	}
	must(t, f.svc.EnableKey(ctx, alice, m.KeyID))
	must(t, f.svc.EnableKey(ctx, alice, m.KeyID))
	must(t, f.svc.UpdateKeyDescription(ctx, alice, m.KeyID, "orders"))
	d, err = f.svc.DescribeKey(ctx, alice, m.KeyID)
	must(t, err)
	if !d.Enabled || d.KeyState != KeyStateEnabled || d.Description != "orders" {
		t.Fatalf("after EnableKey: %+v", d)
	}
}

func TestService_ConcurrentUpdatesAreNotLost(t *testing.T) {
	// Two "nodes" (two Services over one catalog) tag the same key at once:
	// compare-and-set must keep every tag.
	f := newFixture(t)
	other, err := NewService(Config{}, f.store, f.root, f.clock.Now)
	must(t, err)
	m := f.createKey(t, alice)
	ctx := context.Background()
	errs := make(chan error, 40)
	for i := range 40 {
		svc := f.svc
		if i%2 == 1 {
			svc = other
		}
		go func() {
			errs <- svc.TagResource(ctx, alice, m.KeyID, []Tag{{TagKey: fmt.Sprintf("k%02d", i), TagValue: "v"}})
		}()
	}
	for range 40 {
		must(t, <-errs)
	}
	tags, _, err := f.svc.ListResourceTags(ctx, alice, m.KeyID, Page{})
	must(t, err)
	if len(tags) != 40 {
		t.Fatalf("%d tags survived, want 40", len(tags))
	}
}

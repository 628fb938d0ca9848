package kms

import (
	"context"
	"testing"
)

// TestService_AccountIsolation checks that nothing of one account or
// region is visible from another.
func TestService_AccountIsolation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/shared-name", m.KeyID))
	enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: m.KeyID, Plaintext: []byte("private")})
	must(t, err)
	g, err := f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", RetiringPrincipal: "r", Operations: []string{"Decrypt"}})
	must(t, err)

	for _, other := range []Caller{bob, aliceWest} {
		t.Run(other.AccountID+"/"+other.Region, func(t *testing.T) {
			_, err := f.svc.DescribeKey(ctx, other, m.KeyID)
			wantErr(t, err, CodeNotFound, "Key '"+f.svc.keyARN(other, m.KeyID)+"' does not exist")
			_, err = f.svc.DescribeKey(ctx, other, m.Arn)
			wantErr(t, err, CodeNotFound, "")
			_, err = f.svc.DescribeKey(ctx, other, "alias/shared-name")
			wantErr(t, err, CodeNotFound, "Alias "+f.svc.aliasARN(other, "alias/shared-name")+" is not found.")
			_, err = f.svc.Encrypt(ctx, other, EncryptInput{KeyID: m.Arn, Plaintext: []byte("x")})
			wantErr(t, err, CodeNotFound, "")
			_, err = f.svc.Decrypt(ctx, other, DecryptInput{CiphertextBlob: enc.CiphertextBlob})
			wantErr(t, err, CodeInvalidCiphertext, "")
			err = f.svc.DisableKey(ctx, other, m.Arn)
			wantErr(t, err, CodeNotFound, "")
			err = f.svc.RetireGrant(ctx, other, RetireGrantInput{GrantToken: g.GrantToken})
			wantErr(t, err, CodeInvalidGrantToken, "")
			keys, _, err := f.svc.ListKeys(ctx, other, Page{})
			must(t, err)
			aliases, _, err := f.svc.ListAliases(ctx, other, "", Page{})
			must(t, err)
			grants, _, err := f.svc.ListRetirableGrants(ctx, other, "r", Page{})
			must(t, err)
			if len(keys)+len(aliases)+len(grants) != 0 {
				t.Fatalf("sees %d keys, %d aliases, %d grants", len(keys), len(aliases), len(grants))
			}
			// The same alias name is free in another account or region.
			k := f.createKey(t, other)
			must(t, f.svc.CreateAlias(ctx, other, "alias/shared-name", k.KeyID))
		})
	}
	d, err := f.svc.DescribeKey(ctx, alice, "alias/shared-name")
	must(t, err)
	if d.KeyID != m.KeyID {
		t.Fatal("another account's alias replaced ours")
	}
	_, err = f.svc.DescribeKey(ctx, Caller{}, m.KeyID)
	wantErr(t, err, CodeInternal, "")
}

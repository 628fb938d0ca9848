package kms

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
)

var firehoseOps = []string{"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "DescribeKey", "CreateGrant", "RetireGrant"}

func TestService_CreateGrantIdempotentByName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	in := CreateGrantInput{
		KeyID: m.Arn, GranteePrincipal: "firehose.amazonaws.com", RetiringPrincipal: "firehose.amazonaws.com",
		Operations: firehoseOps, Name: "arn:aws:firehose:us-east-1:111111111111:deliverystream/s1",
	}
	g1, err := f.svc.CreateGrant(ctx, alice, in)
	must(t, err)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(g1.GrantID) || g1.GrantToken == "" {
		t.Fatalf("grant %+v", g1)
	}
	g2, err := f.svc.CreateGrant(ctx, alice, in)
	must(t, err)
	if g2.GrantID != g1.GrantID || g2.GrantToken == g1.GrantToken {
		t.Fatalf("retry with same name: %+v vs %+v", g2, g1)
	}
	// Operation order does not make a different request.
	reordered := in
	reordered.Operations = slices.Clone(firehoseOps)
	slices.Reverse(reordered.Operations)
	g3, err := f.svc.CreateGrant(ctx, alice, reordered)
	must(t, err)
	if g3.GrantID != g1.GrantID {
		t.Fatal("same grant with operations reordered got a new id")
	}
	// Other parameters, same name: a new grant, as in AWS.
	changed := in
	changed.GranteePrincipal = "arn:aws:iam::111111111111:role/other"
	g4, err := f.svc.CreateGrant(ctx, alice, changed)
	must(t, err)
	if g4.GrantID == g1.GrantID {
		t.Fatal("different parameters returned the existing grant")
	}
	// Unnamed grants are never deduplicated.
	in.Name = ""
	u1, err := f.svc.CreateGrant(ctx, alice, in)
	must(t, err)
	u2, err := f.svc.CreateGrant(ctx, alice, in)
	must(t, err)
	if u1.GrantID == u2.GrantID {
		t.Fatal("unnamed grants share an id")
	}
	list, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID})
	must(t, err)
	if len(list) != 4 {
		t.Fatalf("%d grants listed, want 4", len(list))
	}
	// Every token of the named grant names the same grant.
	for _, tok := range []string{g1.GrantToken, g2.GrantToken, g3.GrantToken} {
		pt, err := f.svc.parseGrantToken(tok)
		must(t, err)
		if pt.grantID != g1.GrantID || pt.keyID != m.KeyID || pt.caller != alice {
			t.Fatalf("token names %+v", pt)
		}
	}
}

func TestService_CreateGrantRaceAcrossNodes(t *testing.T) {
	f := newFixture(t)
	nodeB, err := NewService(Config{}, f.store, f.root, f.clock.Now)
	must(t, err)
	ctx := context.Background()
	m := f.createKey(t, alice)
	in := CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "firehose.amazonaws.com", Operations: firehoseOps, Name: "stream-1"}
	const n = 32
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		svc := f.svc
		if i%2 == 1 {
			svc = nodeB
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := svc.CreateGrant(ctx, alice, in)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = g.GrantID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("racing CreateGrant calls got different ids: %v", ids)
		}
	}
	list, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("%d grants stored, want 1", len(list))
	}
}

func TestService_GrantValidation(t *testing.T) {
	f := newFixtureWith(t, Config{MaxGrantsPerKey: 2})
	ctx := context.Background()
	m := f.createKey(t, alice)
	sign, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: KeyUsageSignVerify})
	must(t, err)
	tests := []struct {
		name string
		in   CreateGrantInput
		code string
		msg  string
	}{
		{"no grantee", CreateGrantInput{KeyID: m.KeyID, Operations: []string{"Encrypt"}}, CodeValidation, ""},
		{"no operations", CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p"}, CodeValidation, ""},
		{"sign on symmetric", CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", Operations: []string{"Sign"}}, CodeValidation, ""},
		{"encrypt on sign key", CreateGrantInput{KeyID: sign.KeyID, GranteePrincipal: "p", Operations: []string{"GenerateDataKey"}}, CodeValidation, ""},
		{"alias not accepted", CreateGrantInput{KeyID: "alias/x", GranteePrincipal: "p", Operations: []string{"Encrypt"}}, CodeNotFound, "Invalid keyId 'alias/x'"},
		{"dry run", CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", Operations: []string{"Encrypt"}, DryRun: true}, CodeDryRun, msgDryRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.CreateGrant(ctx, alice, tt.in)
			wantErr(t, err, tt.code, tt.msg)
		})
	}
	list, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID})
	must(t, err)
	if len(list) != 0 {
		t.Fatal("a refused or dry-run CreateGrant stored a grant")
	}
	for i := range 2 {
		_, err := f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", Operations: []string{"Encrypt"}, Name: fmt.Sprint("g", i)})
		must(t, err)
	}
	_, err = f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", Operations: []string{"Encrypt"}})
	wantErr(t, err, CodeLimitExceeded, "")
	// Repeating an existing named grant is not a new grant: no quota hit.
	_, err = f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", Operations: []string{"Encrypt"}, Name: "g0"})
	must(t, err)
}

func TestService_RetireRevokeList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	mk := func(name, grantee, retiring string) CreateGrantOutput {
		g, err := f.svc.CreateGrant(ctx, alice, CreateGrantInput{
			KeyID: m.KeyID, GranteePrincipal: grantee, RetiringPrincipal: retiring, Name: name,
			Operations:  []string{"Decrypt", "Encrypt"},
			Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"k": "v"}},
		})
		must(t, err)
		f.clock.Advance(1e9)
		return g
	}
	g1 := mk("one", "firehose.amazonaws.com", "firehose.amazonaws.com")
	g2 := mk("", "arn:aws:iam::111111111111:role/r", "")
	g3 := mk("three", "firehose.amazonaws.com", "arn:aws:iam::111111111111:role/retirer")

	all, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.Arn})
	must(t, err)
	if len(all) != 3 || all[0].GrantID != g1.GrantID || all[1].GrantID != g2.GrantID || all[2].GrantID != g3.GrantID {
		t.Fatalf("grants not oldest first: %+v", all)
	}
	e := all[0]
	if e.KeyID != m.Arn || e.Name != "one" || e.IssuingAccount != "arn:aws:iam::111111111111:root" ||
		!slices.Equal(e.Operations, []string{"Decrypt", "Encrypt"}) || e.Constraints.EncryptionContextSubset["k"] != "v" {
		t.Fatalf("grant entry %+v", e)
	}
	if all[1].Name != "" {
		t.Fatalf("unnamed grant has name %q", all[1].Name)
	}
	byGrantee, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID, GranteePrincipal: "firehose.amazonaws.com"})
	must(t, err)
	if len(byGrantee) != 2 {
		t.Fatalf("grantee filter: %d grants", len(byGrantee))
	}
	one, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID, GrantID: g2.GrantID})
	must(t, err)
	if len(one) != 1 || one[0].GrantID != g2.GrantID {
		t.Fatalf("grant id filter: %+v", one)
	}
	_, _, err = f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID, GrantID: "00"})
	wantErr(t, err, CodeInvalidGrantID, "")
	page, pr, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID, Page: Page{Limit: 2}})
	must(t, err)
	if len(page) != 2 || !pr.Truncated {
		t.Fatalf("first page %d truncated %v", len(page), pr.Truncated)
	}
	page, pr, err = f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID, Page: Page{Limit: 2, Marker: pr.NextMarker}})
	must(t, err)
	if len(page) != 1 || pr.Truncated || page[0].GrantID != g3.GrantID {
		t.Fatalf("second page %+v", page)
	}

	retirable, _, err := f.svc.ListRetirableGrants(ctx, alice, "firehose.amazonaws.com", Page{})
	must(t, err)
	if len(retirable) != 1 || retirable[0].GrantID != g1.GrantID {
		t.Fatalf("retirable %+v", retirable)
	}
	retirable, _, err = f.svc.ListRetirableGrants(ctx, bob, "firehose.amazonaws.com", Page{})
	must(t, err)
	if len(retirable) != 0 {
		t.Fatal("another account sees retirable grants")
	}

	// Retire by token; the same token again finds nothing.
	must(t, f.svc.RetireGrant(ctx, alice, RetireGrantInput{GrantToken: g1.GrantToken}))
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{GrantToken: g1.GrantToken})
	wantErr(t, err, CodeNotFound, "")
	// Retire by key ARN and grant id.
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{KeyID: m.Arn, GrantID: g2.GrantID, DryRun: true})
	wantErr(t, err, CodeDryRun, msgDryRun)
	must(t, f.svc.RetireGrant(ctx, alice, RetireGrantInput{KeyID: m.Arn, GrantID: g2.GrantID}))
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{KeyID: m.Arn, GrantID: g2.GrantID})
	wantErr(t, err, CodeInvalidGrantID, "")
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{})
	wantErr(t, err, CodeValidation, "Grant token OR (grant ID, key ID) must be specified")
	// Forged or foreign tokens.
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{GrantToken: "bm90IGEgdG9rZW4"})
	wantErr(t, err, CodeInvalidGrantToken, "")
	forged := []byte(g3.GrantToken)
	forged[len(forged)/2] ^= 0x01
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{GrantToken: string(forged)})
	wantErr(t, err, CodeInvalidGrantToken, "")
	err = f.svc.RetireGrant(ctx, bob, RetireGrantInput{GrantToken: g3.GrantToken})
	wantErr(t, err, CodeInvalidGrantToken, "")
	// Revoke.
	err = f.svc.RevokeGrant(ctx, alice, m.KeyID, g3.GrantID, true)
	wantErr(t, err, CodeDryRun, msgDryRun)
	must(t, f.svc.RevokeGrant(ctx, alice, m.KeyID, g3.GrantID, false))
	err = f.svc.RevokeGrant(ctx, alice, m.KeyID, g3.GrantID, false)
	wantErr(t, err, CodeInvalidGrantID, "")

	left, _, err := f.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: m.KeyID})
	must(t, err)
	if len(left) != 0 {
		t.Fatalf("%d grants left", len(left))
	}
	// A retired named grant can be created again.
	g1b := mk("one", "firehose.amazonaws.com", "firehose.amazonaws.com")
	if g1b.GrantID == g1.GrantID {
		t.Fatal("re-created grant reused the retired grant's id")
	}
}

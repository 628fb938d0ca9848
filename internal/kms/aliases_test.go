package kms

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestService_AliasRules(t *testing.T) {
	f := newFixtureWith(t, Config{MaxAliasesPerKey: 3})
	ctx := context.Background()
	m := f.createKey(t, alice)
	tests := []struct {
		name      string
		alias     string
		target    string
		code, msg string
	}{
		{"ok", "alias/ok", m.KeyID, "", ""},
		{"ok by arn", "alias/ok-arn_2/x", m.Arn, "", ""},
		{"duplicate", "alias/ok", m.KeyID, CodeAlreadyExists, "An alias with the name arn:aws:kms:us-east-1:111111111111:alias/ok already exists"},
		{"no prefix", "ok", m.KeyID, CodeValidation, msgAliasPrefix},
		{"reserved", "alias/aws/s3", m.KeyID, CodeNotAuthorized, ""},
		{"colon", "alias/a:b", m.KeyID, CodeInvalidAliasName, ""},
		{"bare prefix", "alias/", m.KeyID, CodeInvalidAliasName, ""},
		{"bad characters", "alias/a b", m.KeyID, CodeValidation,
			"1 validation error detected: Value 'alias/a b' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"},
		{"too long", "alias/" + strings.Repeat("a", 251), m.KeyID, CodeValidation, ""},
		{"target is an alias", "alias/x", "alias/ok", CodeNotFound, "Invalid keyId 'alias/ok'"},
		{"unknown target", "alias/y", "0b0e7c1a-8d44-4c1e-9a55-3f1b2a4c5d6e", CodeNotFound, ""},
		{"third alias", "alias/three", m.KeyID, "", ""},
		{"quota", "alias/four", m.KeyID, CodeLimitExceeded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.svc.CreateAlias(ctx, alice, tt.alias, tt.target)
			if tt.code == "" {
				must(t, err)
				return
			}
			wantErr(t, err, tt.code, tt.msg)
		})
	}
}

func TestService_AliasLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k1 := f.createKey(t, alice)
	k2 := f.createKey(t, alice)
	signKey, err := f.svc.CreateKey(ctx, alice, CreateKeyInput{KeySpec: "ECC_NIST_P256", KeyUsage: KeyUsageSignVerify})
	must(t, err)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/app", k1.KeyID))
	created := f.clock.Now()
	f.clock.Advance(1e9)

	d, err := f.svc.DescribeKey(ctx, alice, "alias/app")
	must(t, err)
	if d.KeyID != k1.KeyID {
		t.Fatalf("alias resolves to %s", d.KeyID)
	}
	must(t, f.svc.UpdateAlias(ctx, alice, "alias/app", k2.Arn))
	d, err = f.svc.DescribeKey(ctx, alice, "arn:aws:kms:us-east-1:111111111111:alias/app")
	must(t, err)
	if d.KeyID != k2.KeyID {
		t.Fatalf("after UpdateAlias alias resolves to %s", d.KeyID)
	}
	err = f.svc.UpdateAlias(ctx, alice, "alias/app", signKey.KeyID)
	wantErr(t, err, CodeValidation, "")
	err = f.svc.UpdateAlias(ctx, alice, "alias/missing", k1.KeyID)
	wantErr(t, err, CodeNotFound, "Alias arn:aws:kms:us-east-1:111111111111:alias/missing is not found.")

	list, pr, err := f.svc.ListAliases(ctx, alice, "", Page{})
	must(t, err)
	if len(list) != 1 || pr.Truncated {
		t.Fatalf("ListAliases = %+v", list)
	}
	a := list[0]
	if a.AliasName != "alias/app" || a.AliasArn != "arn:aws:kms:us-east-1:111111111111:alias/app" || a.TargetKeyID != k2.KeyID ||
		!a.CreationDate.Equal(created) || !a.LastUpdatedDate.After(created) {
		t.Fatalf("alias entry %+v", a)
	}
	must(t, f.svc.DeleteAlias(ctx, alice, "alias/app"))
	err = f.svc.DeleteAlias(ctx, alice, "alias/app")
	wantErr(t, err, CodeNotFound, "Alias arn:aws:kms:us-east-1:111111111111:alias/app is not found.")
	_, err = f.svc.DescribeKey(ctx, alice, "alias/app")
	wantErr(t, err, CodeNotFound, "Alias arn:aws:kms:us-east-1:111111111111:alias/app is not found.")
}

func TestService_ListAliasesFilterAndPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k1 := f.createKey(t, alice)
	k2 := f.createKey(t, alice)
	for i := range 5 {
		must(t, f.svc.CreateAlias(ctx, alice, fmt.Sprintf("alias/k1-%d", i), k1.KeyID))
	}
	must(t, f.svc.CreateAlias(ctx, alice, "alias/k2", k2.KeyID))

	only, _, err := f.svc.ListAliases(ctx, alice, k2.Arn, Page{})
	must(t, err)
	if len(only) != 1 || only[0].AliasName != "alias/k2" {
		t.Fatalf("filtered list %+v", only)
	}
	var names []string
	p := Page{Limit: 2}
	for {
		page, pr, err := f.svc.ListAliases(ctx, alice, k1.KeyID, p)
		must(t, err)
		for _, a := range page {
			names = append(names, a.AliasName)
		}
		if !pr.Truncated {
			break
		}
		p.Marker = pr.NextMarker
	}
	if strings.Join(names, ",") != "alias/k1-0,alias/k1-1,alias/k1-2,alias/k1-3,alias/k1-4" {
		t.Fatalf("paged aliases %v", names)
	}
	_, _, err = f.svc.ListAliases(ctx, alice, "alias/k2", Page{})
	wantErr(t, err, CodeNotFound, "Invalid keyId 'alias/k2'")
}

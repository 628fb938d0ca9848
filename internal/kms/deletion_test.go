package kms

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestService_ScheduleAndCancelDeletion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)

	for _, days := range []int{6, 31, -1} {
		_, err := f.svc.ScheduleKeyDeletion(ctx, alice, m.KeyID, days)
		wantErr(t, err, CodeValidation, "")
	}
	out, err := f.svc.ScheduleKeyDeletion(ctx, alice, m.Arn, 0)
	must(t, err)
	want := f.clock.Now().Add(30 * 24 * time.Hour)
	if out.KeyID != m.Arn || out.KeyState != KeyStatePendingDeletion || out.PendingWindowInDays != 30 || !out.DeletionDate.Equal(want) {
		t.Fatalf("ScheduleKeyDeletion = %+v", out)
	}
	d, err := f.svc.DescribeKey(ctx, alice, m.KeyID)
	must(t, err)
	if d.Enabled || d.KeyState != KeyStatePendingDeletion || !d.DeletionDate.Equal(want) {
		t.Fatalf("DescribeKey while pending deletion: %+v", d)
	}
	_, err = f.svc.ScheduleKeyDeletion(ctx, alice, m.KeyID, 7)
	wantErr(t, err, CodeInvalidState, m.Arn+" is pending deletion.")

	arn, err := f.svc.CancelKeyDeletion(ctx, alice, m.KeyID)
	must(t, err)
	if arn != m.Arn {
		t.Fatalf("CancelKeyDeletion returned %q", arn)
	}
	d, err = f.svc.DescribeKey(ctx, alice, m.KeyID)
	must(t, err)
	if d.KeyState != KeyStateDisabled || !d.DeletionDate.IsZero() {
		t.Fatalf("after CancelKeyDeletion: %+v", d)
	}
}

func TestService_ExpiredKeyIsDeleted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.createKey(t, alice)
	keep := f.createKey(t, alice)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/doomed", m.KeyID))
	must(t, f.svc.CreateAlias(ctx, alice, "alias/kept", keep.KeyID))
	g, err := f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: m.KeyID, GranteePrincipal: "p", Operations: []string{"Decrypt"}, Name: "n"})
	must(t, err)
	enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: m.KeyID, Plaintext: []byte("x")})
	must(t, err)
	_, err = f.svc.ScheduleKeyDeletion(ctx, alice, m.KeyID, 7)
	must(t, err)

	f.clock.Advance(7*24*time.Hour - time.Second)
	_, err = f.svc.DescribeKey(ctx, alice, m.KeyID)
	must(t, err) // one second left

	f.clock.Advance(time.Second)
	notFound := "Key '" + m.Arn + "' does not exist"
	_, err = f.svc.DescribeKey(ctx, alice, m.KeyID)
	wantErr(t, err, CodeNotFound, notFound)
	_, err = f.svc.CancelKeyDeletion(ctx, alice, m.KeyID)
	wantErr(t, err, CodeNotFound, notFound)
	_, err = f.svc.DescribeKey(ctx, alice, "alias/doomed")
	wantErr(t, err, CodeNotFound, "Alias arn:aws:kms:us-east-1:111111111111:alias/doomed is not found.")
	_, err = f.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, err, CodeInvalidCiphertext, "")
	err = f.svc.RetireGrant(ctx, alice, RetireGrantInput{GrantToken: g.GrantToken})
	wantErr(t, err, CodeNotFound, notFound)
	keys, _, err := f.svc.ListKeys(ctx, alice, Page{})
	must(t, err)
	if len(keys) != 1 || keys[0].KeyID != keep.KeyID {
		t.Fatalf("ListKeys after expiry: %+v", keys)
	}
	// The lazy purge removed everything of the key from the catalog.
	entries, err := f.store.List(ctx, "kms.")
	must(t, err)
	for _, e := range entries {
		if strings.Contains(e.Key, m.KeyID) || strings.Contains(string(e.Value), m.KeyID) {
			t.Errorf("entry %s still refers to the deleted key", e.Key)
		}
	}
	// The alias name is free again.
	must(t, f.svc.CreateAlias(ctx, alice, "alias/doomed", keep.KeyID))
}

func TestService_PurgeExpired(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	expired := f.createKey(t, alice)
	expiredBob := f.createKey(t, bob)
	pending := f.createKey(t, aliceWest)
	live := f.createKey(t, alice)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/e", expired.KeyID))
	_, err := f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: expired.KeyID, GranteePrincipal: "p", Operations: []string{"Decrypt"}})
	must(t, err)
	for _, k := range []struct {
		c    Caller
		id   string
		days int
	}{{alice, expired.KeyID, 7}, {bob, expiredBob.KeyID, 7}, {aliceWest, pending.KeyID, 30}} {
		_, err := f.svc.ScheduleKeyDeletion(ctx, k.c, k.id, k.days)
		must(t, err)
	}
	// Orphans, as an interrupted purge would leave them.
	orphan, err := f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: live.KeyID, GranteePrincipal: "p", Operations: []string{"Decrypt"}})
	must(t, err)
	must(t, f.svc.CreateAlias(ctx, alice, "alias/orphan", live.KeyID))
	e, err := f.store.Get(ctx, keyPath(alice, live.KeyID))
	must(t, err)
	must(t, f.store.Delete(ctx, e.Key, e.Revision))

	n, err := f.svc.PurgeExpired(ctx, f.clock.Now().Add(8*24*time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("purged %d keys, want 2", n)
	}
	entries, err := f.store.List(ctx, "kms.")
	must(t, err)
	if len(entries) != 1 || entries[0].Key != keyPath(aliceWest, pending.KeyID) {
		var keys []string
		for _, e := range entries {
			keys = append(keys, e.Key)
		}
		t.Fatalf("left in the catalog: %v (orphan grant %s)", keys, orphan.GrantID)
	}
	n, err = f.svc.PurgeExpired(ctx, f.clock.Now().Add(8*24*time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("second purge removed %d keys", n)
	}
}

package kms

import (
	"context"
	"testing"
)

// TestService_OperationByKeyState runs every operation against a key in
// each state and checks the outcome against the KMS key-state table
// (spec §7.2).
func TestService_OperationByKeyState(t *testing.T) {
	type env struct {
		svc   *Service
		key   KeyMetadata
		other KeyMetadata // a second, enabled key
		blob  []byte
		grant CreateGrantOutput
	}
	type op struct {
		name string
		rule stateRule
		call func(context.Context, env) error
	}
	ops := []op{
		{"DescribeKey", ruleAnyState, func(ctx context.Context, e env) error {
			_, err := e.svc.DescribeKey(ctx, alice, e.key.KeyID)
			return err
		}},
		{"ListAliases", ruleAnyState, func(ctx context.Context, e env) error {
			_, _, err := e.svc.ListAliases(ctx, alice, e.key.KeyID, Page{})
			return err
		}},
		{"ListGrants", ruleAnyState, func(ctx context.Context, e env) error {
			_, _, err := e.svc.ListGrants(ctx, alice, ListGrantsInput{KeyID: e.key.KeyID})
			return err
		}},
		{"RetireGrant", ruleAnyState, func(ctx context.Context, e env) error {
			return e.svc.RetireGrant(ctx, alice, RetireGrantInput{GrantToken: e.grant.GrantToken})
		}},
		{"RevokeGrant", ruleAnyState, func(ctx context.Context, e env) error {
			return e.svc.RevokeGrant(ctx, alice, e.key.Arn, e.grant.GrantID, false)
		}},
		{"DeleteAlias", ruleAnyState, func(ctx context.Context, e env) error {
			return e.svc.DeleteAlias(ctx, alice, "alias/state")
		}},
		{"GetKeyPolicy", ruleAnyState, func(ctx context.Context, e env) error {
			_, _, err := e.svc.GetKeyPolicy(ctx, alice, e.key.KeyID, "default")
			return err
		}},
		{"PutKeyPolicy", ruleAnyState, func(ctx context.Context, e env) error {
			return e.svc.PutKeyPolicy(ctx, alice, e.key.KeyID, "default", `{"Version":"2012-10-17","Statement":[]}`)
		}},
		{"ListResourceTags", ruleAnyState, func(ctx context.Context, e env) error {
			_, _, err := e.svc.ListResourceTags(ctx, alice, e.key.KeyID, Page{})
			return err
		}},
		{"Encrypt", ruleUse, func(ctx context.Context, e env) error {
			_, err := e.svc.Encrypt(ctx, alice, EncryptInput{KeyID: e.key.KeyID, Plaintext: []byte("x")})
			return err
		}},
		{"Decrypt", ruleUse, func(ctx context.Context, e env) error {
			_, err := e.svc.Decrypt(ctx, alice, DecryptInput{CiphertextBlob: e.blob})
			return err
		}},
		{"GenerateDataKey", ruleUse, func(ctx context.Context, e env) error {
			_, err := e.svc.GenerateDataKey(ctx, alice, GenerateDataKeyInput{KeyID: e.key.Arn, KeySpec: DataKeySpecAES256})
			return err
		}},
		{"GenerateDataKeyWithoutPlaintext", ruleUse, func(ctx context.Context, e env) error {
			_, err := e.svc.GenerateDataKeyWithoutPlaintext(ctx, alice, GenerateDataKeyInput{KeyID: e.key.KeyID, NumberOfBytes: 16})
			return err
		}},
		{"ReEncrypt from", ruleUse, func(ctx context.Context, e env) error {
			_, err := e.svc.ReEncrypt(ctx, alice, ReEncryptInput{CiphertextBlob: e.blob, DestinationKeyID: e.other.KeyID})
			return err
		}},
		{"ReEncrypt to", ruleUse, func(ctx context.Context, e env) error {
			blob, err := e.svc.Encrypt(ctx, alice, EncryptInput{KeyID: e.other.KeyID, Plaintext: []byte("x")})
			if err != nil {
				return err
			}
			_, err = e.svc.ReEncrypt(ctx, alice, ReEncryptInput{CiphertextBlob: blob.CiphertextBlob, DestinationKeyID: e.key.KeyID})
			return err
		}},
		{"CreateGrant", ruleUse, func(ctx context.Context, e env) error {
			_, err := e.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: e.key.KeyID, GranteePrincipal: "p", Operations: []string{"Decrypt"}})
			return err
		}},
		{"EnableKey", ruleManage, func(ctx context.Context, e env) error { return e.svc.EnableKey(ctx, alice, e.key.KeyID) }},
		{"DisableKey", ruleManage, func(ctx context.Context, e env) error { return e.svc.DisableKey(ctx, alice, e.key.KeyID) }},
		{"ScheduleKeyDeletion", ruleManage, func(ctx context.Context, e env) error {
			_, err := e.svc.ScheduleKeyDeletion(ctx, alice, e.key.KeyID, 7)
			return err
		}},
		{"CreateAlias", ruleManage, func(ctx context.Context, e env) error {
			return e.svc.CreateAlias(ctx, alice, "alias/new", e.key.KeyID)
		}},
		{"UpdateAlias (new target)", ruleManage, func(ctx context.Context, e env) error {
			must(t, e.svc.CreateAlias(ctx, alice, "alias/moving", e.other.KeyID))
			return e.svc.UpdateAlias(ctx, alice, "alias/moving", e.key.KeyID)
		}},
		{"UpdateAlias (old target)", ruleAnyState, func(ctx context.Context, e env) error {
			return e.svc.UpdateAlias(ctx, alice, "alias/state", e.other.KeyID)
		}},
		{"TagResource", ruleManage, func(ctx context.Context, e env) error {
			return e.svc.TagResource(ctx, alice, e.key.KeyID, []Tag{{TagKey: "a", TagValue: "b"}})
		}},
		{"UntagResource", ruleManage, func(ctx context.Context, e env) error {
			return e.svc.UntagResource(ctx, alice, e.key.KeyID, []string{"a"})
		}},
		{"UpdateKeyDescription", ruleManage, func(ctx context.Context, e env) error {
			return e.svc.UpdateKeyDescription(ctx, alice, e.key.KeyID, "d")
		}},
		{"CancelKeyDeletion", rulePendingDeletion, func(ctx context.Context, e env) error {
			_, err := e.svc.CancelKeyDeletion(ctx, alice, e.key.KeyID)
			return err
		}},
	}
	states := []KeyState{KeyStateEnabled, KeyStateDisabled, KeyStatePendingDeletion}
	for _, o := range ops {
		for _, st := range states {
			t.Run(o.name+"/"+string(st), func(t *testing.T) {
				ctx := context.Background()
				f := newFixture(t)
				e := env{svc: f.svc, key: f.createKey(t, alice), other: f.createKey(t, alice)}
				must(t, f.svc.CreateAlias(ctx, alice, "alias/state", e.key.KeyID))
				enc, err := f.svc.Encrypt(ctx, alice, EncryptInput{KeyID: e.key.KeyID, Plaintext: []byte("secret")})
				must(t, err)
				e.blob = enc.CiphertextBlob
				e.grant, err = f.svc.CreateGrant(ctx, alice, CreateGrantInput{KeyID: e.key.KeyID, GranteePrincipal: "p", Operations: []string{"Encrypt"}})
				must(t, err)
				switch st {
				case KeyStateDisabled:
					must(t, f.svc.DisableKey(ctx, alice, e.key.KeyID))
				case KeyStatePendingDeletion:
					_, err := f.svc.ScheduleKeyDeletion(ctx, alice, e.key.KeyID, 30)
					must(t, err)
				}

				err = o.call(ctx, e)
				arn := e.key.Arn
				switch {
				case o.rule == ruleAnyState,
					o.rule == ruleUse && st == KeyStateEnabled,
					o.rule == ruleManage && st != KeyStatePendingDeletion,
					o.rule == rulePendingDeletion && st == KeyStatePendingDeletion:
					must(t, err)
				case o.rule == ruleUse && st == KeyStateDisabled:
					wantErr(t, err, CodeDisabled, arn+" is disabled.")
				case o.rule == rulePendingDeletion:
					wantErr(t, err, CodeInvalidState, arn+" is not pending deletion.")
				default:
					wantErr(t, err, CodeInvalidState, arn+" is pending deletion.")
				}
			})
		}
	}
}

func TestCheckState_OtherStates(t *testing.T) {
	err := checkState(OpEncrypt, KeyStatePendingImport, "arn")
	wantErr(t, err, CodeInvalidState, "arn is pending import.")
	err = checkState(OpTagResource, KeyStateUnavailable, "arn")
	wantErr(t, err, CodeInvalidState, "arn is unavailable.")
	if err := checkState(OpDescribeKey, KeyStateCreating, "arn"); err != nil {
		t.Fatal(err)
	}
}

package kmsapi

import (
	"context"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/kms"
	km "github.com/sluicehq/sluice/internal/kmsmodel"
)

func keyMetadata(m kms.KeyMetadata) *km.KeyMetadata {
	return &km.KeyMetadata{
		AWSAccountId:           ptr(m.AWSAccountID),
		KeyId:                  ptr(m.KeyID),
		Arn:                    ptr(m.Arn),
		CreationDate:           ts(m.CreationDate),
		Enabled:                ptr(m.Enabled),
		Description:            ptr(m.Description),
		KeyUsage:               ptr(km.KeyUsageType(m.KeyUsage)),
		KeyState:               ptr(km.KeyState(m.KeyState)),
		DeletionDate:           ts(m.DeletionDate),
		Origin:                 ptr(km.OriginType(m.Origin)),
		KeyManager:             ptr(km.KeyManagerType(m.KeyManager)),
		CustomerMasterKeySpec:  ptr(km.CustomerMasterKeySpec(m.CustomerMasterKeySpec)),
		KeySpec:                ptr(km.KeySpec(m.KeySpec)),
		EncryptionAlgorithms:   convert[km.EncryptionAlgorithmSpec](m.EncryptionAlgorithms),
		SigningAlgorithms:      convert[km.SigningAlgorithmSpec](m.SigningAlgorithms),
		MacAlgorithms:          convert[km.MacAlgorithmSpec](m.MacAlgorithms),
		KeyAgreementAlgorithms: convert[km.KeyAgreementAlgorithmSpec](m.KeyAgreementAlgorithms),
		MultiRegion:            ptr(m.MultiRegion),
		CurrentKeyMaterialId:   optStr(m.CurrentKeyMaterialID),
	}
}

func tagsIn(in []km.Tag) []kms.Tag {
	out := make([]kms.Tag, len(in))
	for i, t := range in {
		out[i] = kms.Tag{TagKey: str(t.TagKey), TagValue: str(t.TagValue)}
	}
	return out
}

func (a *API) createKey(ctx context.Context, c kms.Caller, in *km.CreateKeyRequest) (*km.CreateKeyResponse, error) {
	m, err := a.kms.CreateKey(ctx, c, kms.CreateKeyInput{
		Description:                    str(in.Description),
		KeyUsage:                       enumStr(in.KeyUsage),
		KeySpec:                        enumStr(in.KeySpec),
		CustomerMasterKeySpec:          enumStr(in.CustomerMasterKeySpec),
		Origin:                         enumStr(in.Origin),
		Policy:                         str(in.Policy),
		Tags:                           tagsIn(in.Tags),
		MultiRegion:                    apishape.Deref(in.MultiRegion),
		CustomKeyStoreID:               str(in.CustomKeyStoreId),
		XksKeyID:                       str(in.XksKeyId),
		BypassPolicyLockoutSafetyCheck: apishape.Deref(in.BypassPolicyLockoutSafetyCheck),
	})
	if err != nil {
		return nil, err
	}
	return &km.CreateKeyResponse{KeyMetadata: keyMetadata(m)}, nil
}

func (a *API) describeKey(ctx context.Context, c kms.Caller, in *km.DescribeKeyRequest) (*km.DescribeKeyResponse, error) {
	m, err := a.kms.DescribeKey(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &km.DescribeKeyResponse{KeyMetadata: keyMetadata(m)}, nil
}

func (a *API) listKeys(ctx context.Context, c kms.Caller, in *km.ListKeysRequest) (*km.ListKeysResponse, error) {
	keys, pr, err := a.kms.ListKeys(ctx, c, page(in.Limit, in.Marker))
	if err != nil {
		return nil, err
	}
	out := &km.ListKeysResponse{Keys: make([]km.KeyListEntry, len(keys))}
	for i, k := range keys {
		out.Keys[i] = km.KeyListEntry{KeyId: ptr(k.KeyID), KeyArn: ptr(k.KeyArn)}
	}
	out.NextMarker, out.Truncated = pageOut(pr)
	return out, nil
}

func (a *API) enableKey(ctx context.Context, c kms.Caller, in *km.EnableKeyRequest) (empty, error) {
	return empty{}, a.kms.EnableKey(ctx, c, str(in.KeyId))
}

func (a *API) disableKey(ctx context.Context, c kms.Caller, in *km.DisableKeyRequest) (empty, error) {
	return empty{}, a.kms.DisableKey(ctx, c, str(in.KeyId))
}

func (a *API) updateKeyDescription(ctx context.Context, c kms.Caller, in *km.UpdateKeyDescriptionRequest) (empty, error) {
	return empty{}, a.kms.UpdateKeyDescription(ctx, c, str(in.KeyId), str(in.Description))
}

func (a *API) scheduleKeyDeletion(ctx context.Context, c kms.Caller, in *km.ScheduleKeyDeletionRequest) (*km.ScheduleKeyDeletionResponse, error) {
	out, err := a.kms.ScheduleKeyDeletion(ctx, c, str(in.KeyId), int(apishape.Deref(in.PendingWindowInDays)))
	if err != nil {
		return nil, err
	}
	return &km.ScheduleKeyDeletionResponse{
		KeyId:               ptr(out.KeyID),
		DeletionDate:        ts(out.DeletionDate),
		KeyState:            ptr(km.KeyState(out.KeyState)),
		PendingWindowInDays: ptr(int32(out.PendingWindowInDays)),
	}, nil
}

func (a *API) cancelKeyDeletion(ctx context.Context, c kms.Caller, in *km.CancelKeyDeletionRequest) (*km.CancelKeyDeletionResponse, error) {
	arn, err := a.kms.CancelKeyDeletion(ctx, c, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &km.CancelKeyDeletionResponse{KeyId: ptr(arn)}, nil
}

func (a *API) createAlias(ctx context.Context, c kms.Caller, in *km.CreateAliasRequest) (empty, error) {
	return empty{}, a.kms.CreateAlias(ctx, c, str(in.AliasName), str(in.TargetKeyId))
}

func (a *API) updateAlias(ctx context.Context, c kms.Caller, in *km.UpdateAliasRequest) (empty, error) {
	return empty{}, a.kms.UpdateAlias(ctx, c, str(in.AliasName), str(in.TargetKeyId))
}

func (a *API) deleteAlias(ctx context.Context, c kms.Caller, in *km.DeleteAliasRequest) (empty, error) {
	return empty{}, a.kms.DeleteAlias(ctx, c, str(in.AliasName))
}

func (a *API) listAliases(ctx context.Context, c kms.Caller, in *km.ListAliasesRequest) (*km.ListAliasesResponse, error) {
	aliases, pr, err := a.kms.ListAliases(ctx, c, str(in.KeyId), page(in.Limit, in.Marker))
	if err != nil {
		return nil, err
	}
	out := &km.ListAliasesResponse{Aliases: make([]km.AliasListEntry, len(aliases))}
	for i, al := range aliases {
		out.Aliases[i] = km.AliasListEntry{
			AliasName:       ptr(al.AliasName),
			AliasArn:        ptr(al.AliasArn),
			TargetKeyId:     optStr(al.TargetKeyID),
			CreationDate:    ts(al.CreationDate),
			LastUpdatedDate: ts(al.LastUpdatedDate),
		}
	}
	out.NextMarker, out.Truncated = pageOut(pr)
	return out, nil
}

func (a *API) tagResource(ctx context.Context, c kms.Caller, in *km.TagResourceRequest) (empty, error) {
	return empty{}, a.kms.TagResource(ctx, c, str(in.KeyId), tagsIn(in.Tags))
}

func (a *API) untagResource(ctx context.Context, c kms.Caller, in *km.UntagResourceRequest) (empty, error) {
	return empty{}, a.kms.UntagResource(ctx, c, str(in.KeyId), in.TagKeys)
}

func (a *API) listResourceTags(ctx context.Context, c kms.Caller, in *km.ListResourceTagsRequest) (*km.ListResourceTagsResponse, error) {
	tags, pr, err := a.kms.ListResourceTags(ctx, c, str(in.KeyId), page(in.Limit, in.Marker))
	if err != nil {
		return nil, err
	}
	out := &km.ListResourceTagsResponse{Tags: make([]km.Tag, len(tags))}
	for i, t := range tags {
		out.Tags[i] = km.Tag{TagKey: ptr(t.TagKey), TagValue: ptr(t.TagValue)}
	}
	out.NextMarker, out.Truncated = pageOut(pr)
	return out, nil
}

func (a *API) getKeyPolicy(ctx context.Context, c kms.Caller, in *km.GetKeyPolicyRequest) (*km.GetKeyPolicyResponse, error) {
	policy, name, err := a.kms.GetKeyPolicy(ctx, c, str(in.KeyId), str(in.PolicyName))
	if err != nil {
		return nil, err
	}
	return &km.GetKeyPolicyResponse{Policy: ptr(policy), PolicyName: ptr(name)}, nil
}

func (a *API) putKeyPolicy(ctx context.Context, c kms.Caller, in *km.PutKeyPolicyRequest) (empty, error) {
	return empty{}, a.kms.PutKeyPolicy(ctx, c, str(in.KeyId), str(in.PolicyName), str(in.Policy))
}

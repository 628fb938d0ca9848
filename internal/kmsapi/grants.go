package kmsapi

import (
	"context"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/kms"
	km "github.com/sluicehq/sluice/internal/kmsmodel"
)

func (a *API) createGrant(ctx context.Context, c kms.Caller, in *km.CreateGrantRequest) (*km.CreateGrantResponse, error) {
	var cons *kms.GrantConstraints
	if in.Constraints != nil {
		cons = &kms.GrantConstraints{
			EncryptionContextSubset: in.Constraints.EncryptionContextSubset,
			EncryptionContextEquals: in.Constraints.EncryptionContextEquals,
		}
	}
	out, err := a.kms.CreateGrant(ctx, c, kms.CreateGrantInput{
		KeyID:             str(in.KeyId),
		GranteePrincipal:  str(in.GranteePrincipal),
		RetiringPrincipal: str(in.RetiringPrincipal),
		Operations:        enumStrings(in.Operations),
		Constraints:       cons,
		GrantTokens:       in.GrantTokens,
		Name:              str(in.Name),
		DryRun:            apishape.Deref(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &km.CreateGrantResponse{GrantId: ptr(out.GrantID), GrantToken: ptr(out.GrantToken)}, nil
}

func grantEntries(grants []kms.GrantListEntry) []km.GrantListEntry {
	out := make([]km.GrantListEntry, len(grants))
	for i, g := range grants {
		e := km.GrantListEntry{
			KeyId:             ptr(g.KeyID),
			GrantId:           ptr(g.GrantID),
			Name:              ptr(g.Name),
			CreationDate:      ts(g.CreationDate),
			GranteePrincipal:  ptr(g.GranteePrincipal),
			RetiringPrincipal: optStr(g.RetiringPrincipal),
			IssuingAccount:    ptr(g.IssuingAccount),
			Operations:        convert[km.GrantOperation](g.Operations),
		}
		if g.Constraints != nil {
			e.Constraints = &km.GrantConstraints{
				EncryptionContextSubset: g.Constraints.EncryptionContextSubset,
				EncryptionContextEquals: g.Constraints.EncryptionContextEquals,
			}
		}
		out[i] = e
	}
	return out
}

func (a *API) listGrants(ctx context.Context, c kms.Caller, in *km.ListGrantsRequest) (*km.ListGrantsResponse, error) {
	grants, pr, err := a.kms.ListGrants(ctx, c, kms.ListGrantsInput{
		KeyID:            str(in.KeyId),
		GrantID:          str(in.GrantId),
		GranteePrincipal: str(in.GranteePrincipal),
		Page:             page(in.Limit, in.Marker),
	})
	if err != nil {
		return nil, err
	}
	out := &km.ListGrantsResponse{Grants: grantEntries(grants)}
	out.NextMarker, out.Truncated = pageOut(pr)
	return out, nil
}

func (a *API) listRetirableGrants(ctx context.Context, c kms.Caller, in *km.ListRetirableGrantsRequest) (*km.ListGrantsResponse, error) {
	grants, pr, err := a.kms.ListRetirableGrants(ctx, c, str(in.RetiringPrincipal), page(in.Limit, in.Marker))
	if err != nil {
		return nil, err
	}
	out := &km.ListGrantsResponse{Grants: grantEntries(grants)}
	out.NextMarker, out.Truncated = pageOut(pr)
	return out, nil
}

func (a *API) retireGrant(ctx context.Context, c kms.Caller, in *km.RetireGrantRequest) (empty, error) {
	return empty{}, a.kms.RetireGrant(ctx, c, kms.RetireGrantInput{
		GrantToken: str(in.GrantToken),
		KeyID:      str(in.KeyId),
		GrantID:    str(in.GrantId),
		DryRun:     apishape.Deref(in.DryRun),
	})
}

func (a *API) revokeGrant(ctx context.Context, c kms.Caller, in *km.RevokeGrantRequest) (empty, error) {
	return empty{}, a.kms.RevokeGrant(ctx, c, str(in.KeyId), str(in.GrantId), apishape.Deref(in.DryRun))
}

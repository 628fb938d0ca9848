package kms

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/internal/kv"
)

// CreateGrantInput is the input of CreateGrant.
type CreateGrantInput struct {
	KeyID             string // key id or key ARN
	GranteePrincipal  string
	RetiringPrincipal string
	Operations        []string
	Constraints       *GrantConstraints
	GrantTokens       []string
	// Name makes the call idempotent: the same Name and parameters on the
	// same key return the existing GrantId (with a new token).
	Name   string
	DryRun bool
}

// CreateGrantOutput is the result of CreateGrant.
type CreateGrantOutput struct {
	GrantID    string
	GrantToken string
}

// RetireGrantInput names a grant by token, or by key and grant id.
type RetireGrantInput struct {
	GrantToken string
	KeyID      string // key ARN (a key id is accepted too)
	GrantID    string
	DryRun     bool
}

// ListGrantsInput is the input of ListGrants.
type ListGrantsInput struct {
	KeyID            string // key id or key ARN
	GrantID          string // optional filter
	GranteePrincipal string // optional filter
	Page
}

// CreateGrant adds a grant to an Enabled key. Grants are recorded and
// listed but not enforced: Sluice authorises by account.
//
// Idempotency by Name holds across nodes: a named grant's catalog entry is
// addressed by a digest of the key, name and parameters, so concurrent
// identical requests race on one Create and all get the winner's GrantId.
func (s *Service) CreateGrant(ctx context.Context, c Caller, in CreateGrantInput) (CreateGrantOutput, error) {
	if in.GranteePrincipal == "" {
		return CreateGrantOutput{}, validationf("1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null")
	}
	if len(in.Operations) == 0 {
		return CreateGrantOutput{}, validationf("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
	}
	ck, err := s.resolve(ctx, c, in.KeyID, false)
	if err != nil {
		return CreateGrantOutput{}, err
	}
	if err := checkState(OpCreateGrant, ck.rec.State, ck.arn); err != nil {
		return CreateGrantOutput{}, err
	}
	allowed := grantOperationsFor(ck.rec.KeySpec, ck.rec.KeyUsage)
	var ops []string
	for _, op := range in.Operations {
		if !slices.Contains(allowed, op) {
			return CreateGrantOutput{}, validationf("Grant operation %s is not valid for key %s with key spec %s and key usage %s.",
				op, ck.arn, ck.rec.KeySpec, ck.rec.KeyUsage)
		}
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	if in.DryRun {
		return CreateGrantOutput{}, dryRun()
	}

	keyID := ck.rec.KeyID
	grantID, err := newGrantID()
	if err != nil {
		return CreateGrantOutput{}, err
	}
	slot := "i_" + grantID
	if in.Name != "" {
		slot = "n_" + namedGrantDigest(keyID, in.Name, in.GranteePrincipal, in.RetiringPrincipal, ops, in.Constraints)
	}
	path := grantPath(c, keyID, slot)
	var out CreateGrantOutput
	err = casLoop(ctx, "create grant", func() error {
		e, err := s.store.Get(ctx, path)
		switch {
		case err == nil:
			g, err := decodeRecord[grantRecord](e)
			if err != nil {
				return err
			}
			out.GrantID = g.GrantID
			return nil
		case !errors.Is(err, kv.ErrNotFound):
			return storeErr("get grant", err)
		}
		if err := s.checkGrantQuota(ctx, c, keyID); err != nil {
			return err
		}
		b, err := encodeRecord(&grantRecord{
			Version: recordVersion, AccountID: c.AccountID, Region: c.Region,
			KeyID: keyID, GrantID: grantID, Name: in.Name, CreationDate: s.now().UTC(),
			GranteePrincipal: in.GranteePrincipal, RetiringPrincipal: in.RetiringPrincipal,
			Operations: ops, Constraints: in.Constraints,
		})
		if err != nil {
			return err
		}
		if _, err := s.store.Create(ctx, path, b); err != nil {
			if errors.Is(err, kv.ErrExists) {
				return kv.ErrConflict // lost the race: read the winner's grant
			}
			return storeErr("create grant", err)
		}
		out.GrantID = grantID
		return nil
	})
	if err != nil {
		return CreateGrantOutput{}, err
	}
	out.GrantToken, err = s.newGrantToken(c, keyID, out.GrantID)
	if err != nil {
		return CreateGrantOutput{}, err
	}
	return out, nil
}

// namedGrantDigest identifies "this grant request" for idempotency: every
// parameter goes in, length-prefixed so that no two requests collide.
func namedGrantDigest(keyID, name, grantee, retiring string, ops []string, cons *GrantConstraints) string {
	h := sha256.New()
	put := func(s string) {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	put(keyID)
	put(name)
	put(grantee)
	put(retiring)
	sorted := slices.Clone(ops)
	slices.Sort(sorted)
	put(fmt.Sprint(len(sorted)))
	for _, op := range sorted {
		put(op)
	}
	if cons != nil {
		put("subset")
		put(string(canonicalContext(cons.EncryptionContextSubset)))
		put("equals")
		put(string(canonicalContext(cons.EncryptionContextEquals)))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func (s *Service) checkGrantQuota(ctx context.Context, c Caller, keyID string) error {
	entries, err := s.store.List(ctx, keyGrantsPrefix(c, keyID))
	if err != nil {
		return storeErr("list grants", err)
	}
	if len(entries) >= s.cfg.MaxGrantsPerKey {
		return errorf(CodeLimitExceeded, "The request was rejected because a quota was exceeded: at most %d grants per key.", s.cfg.MaxGrantsPerKey)
	}
	return nil
}

// findGrant returns the catalog entry of a grant of a key.
func (s *Service) findGrant(ctx context.Context, c Caller, keyID, grantID string) (kv.Entry, *grantRecord, error) {
	entries, err := s.store.List(ctx, keyGrantsPrefix(c, keyID))
	if err != nil {
		return kv.Entry{}, nil, storeErr("list grants", err)
	}
	for _, e := range entries {
		g, err := decodeRecord[grantRecord](e)
		if err != nil {
			return kv.Entry{}, nil, err
		}
		if g.GrantID == grantID {
			return e, g, nil
		}
	}
	return kv.Entry{}, nil, errorf(CodeInvalidGrantID, "Grant ID %s is not valid for key %s.", grantID, s.keyARN(c, keyID))
}

// RetireGrant deletes a grant named by its token, or by key and grant id.
// It works in every key state. A token whose grant is already gone gives
// NotFoundException; an unknown grant id gives InvalidGrantIdException.
func (s *Service) RetireGrant(ctx context.Context, c Caller, in RetireGrantInput) error {
	if err := c.validate(); err != nil {
		return err
	}
	var keyID, grantID string
	switch {
	case in.GrantToken != "":
		t, err := s.parseGrantToken(in.GrantToken)
		if err != nil {
			return err
		}
		if t.caller != c {
			return errorf(CodeInvalidGrantToken, "The grant token is not valid in this account and region.")
		}
		keyID, grantID = t.keyID, t.grantID
	case in.KeyID != "" && in.GrantID != "":
		ref, err := s.parseKeyRef(c, in.KeyID, false)
		if err != nil {
			return err
		}
		keyID, grantID = ref.keyID, in.GrantID
	default:
		return validationf("Grant token OR (grant ID, key ID) must be specified")
	}
	if _, err := s.getKey(ctx, c, keyID); err != nil {
		return err
	}
	err := s.deleteGrant(ctx, c, keyID, grantID, in.DryRun)
	if in.GrantToken != "" && CodeOf(err) == CodeInvalidGrantID {
		return errorf(CodeNotFound, "Grant %s of key %s does not exist.", grantID, s.keyARN(c, keyID))
	}
	return err
}

// RevokeGrant deletes a grant of a key (key id or key ARN). It works in
// every key state.
func (s *Service) RevokeGrant(ctx context.Context, c Caller, keyID, grantID string, dry bool) error {
	ck, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return err
	}
	return s.deleteGrant(ctx, c, ck.rec.KeyID, grantID, dry)
}

func (s *Service) deleteGrant(ctx context.Context, c Caller, keyID, grantID string, dry bool) error {
	return casLoop(ctx, "delete grant "+grantID, func() error {
		e, _, err := s.findGrant(ctx, c, keyID, grantID)
		if err != nil {
			return err
		}
		if dry {
			return dryRun()
		}
		err = s.store.Delete(ctx, e.Key, e.Revision)
		if errors.Is(err, kv.ErrNotFound) {
			return kv.ErrConflict // retired by someone else: report it as gone
		}
		if err != nil && !errors.Is(err, kv.ErrConflict) {
			return storeErr("delete grant "+grantID, err)
		}
		return err
	})
}

// ListGrants lists a key's grants (any key state), oldest first. Limit
// defaults to 50 (max 100).
func (s *Service) ListGrants(ctx context.Context, c Caller, in ListGrantsInput) ([]GrantListEntry, PageResult, error) {
	ck, err := s.resolve(ctx, c, in.KeyID, false)
	if err != nil {
		return nil, PageResult{}, err
	}
	if in.GrantID != "" {
		if _, _, err := s.findGrant(ctx, c, ck.rec.KeyID, in.GrantID); err != nil {
			return nil, PageResult{}, err
		}
	}
	entries, err := s.store.List(ctx, keyGrantsPrefix(c, ck.rec.KeyID))
	if err != nil {
		return nil, PageResult{}, storeErr("list grants", err)
	}
	out := make([]GrantListEntry, 0, len(entries))
	for _, e := range entries {
		g, err := decodeRecord[grantRecord](e)
		if err != nil {
			return nil, PageResult{}, err
		}
		if (in.GrantID != "" && g.GrantID != in.GrantID) || (in.GranteePrincipal != "" && g.GranteePrincipal != in.GranteePrincipal) {
			continue
		}
		out = append(out, s.grantEntry(c, g))
	}
	return paginate(out, grantSortKey, "grants", in.Page, 50, 100)
}

// ListRetirableGrants lists the region's grants whose retiring principal
// is retiringPrincipal. Limit defaults to 50 (max 100).
func (s *Service) ListRetirableGrants(ctx context.Context, c Caller, retiringPrincipal string, p Page) ([]GrantListEntry, PageResult, error) {
	if err := c.validate(); err != nil {
		return nil, PageResult{}, err
	}
	if retiringPrincipal == "" {
		return nil, PageResult{}, validationf("1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null")
	}
	live, err := s.liveKeys(ctx, c)
	if err != nil {
		return nil, PageResult{}, err
	}
	entries, err := s.store.List(ctx, regionGrantsPrefix(c))
	if err != nil {
		return nil, PageResult{}, storeErr("list grants", err)
	}
	var out []GrantListEntry
	for _, e := range entries {
		g, err := decodeRecord[grantRecord](e)
		if err != nil {
			return nil, PageResult{}, err
		}
		if g.RetiringPrincipal == retiringPrincipal && live[g.KeyID] != nil {
			out = append(out, s.grantEntry(c, g))
		}
	}
	return paginate(out, grantSortKey, "retirable", p, 50, 100)
}

func (s *Service) grantEntry(c Caller, g *grantRecord) GrantListEntry {
	return GrantListEntry{
		KeyID:             s.keyARN(c, g.KeyID),
		GrantID:           g.GrantID,
		Name:              g.Name,
		CreationDate:      g.CreationDate,
		GranteePrincipal:  g.GranteePrincipal,
		RetiringPrincipal: g.RetiringPrincipal,
		IssuingAccount:    issuingAccount(s.cfg.Partition, c.AccountID),
		Operations:        slices.Clone(g.Operations),
		Constraints:       g.Constraints,
	}
}

// grantSortKey orders grants by creation time, then id (ids are unique).
func grantSortKey(g GrantListEntry) string {
	return fmt.Sprintf("%020d/%s", g.CreationDate.UnixNano(), g.GrantID)
}

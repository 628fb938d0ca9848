package kms

import (
	"context"
	"errors"
	"strings"

	"github.com/sluicehq/sluice/internal/kv"
)

const (
	aliasPrefix         = "alias/"
	reservedAliasPrefix = "alias/aws/"
	aliasPattern        = "^[a-zA-Z0-9:/_-]+$"
	maxAliasNameLen     = 256
)

// validateAliasName applies the rules KMS applies to an alias name that is
// being created, moved or deleted.
func validateAliasName(name string) error {
	if len(name) > maxAliasNameLen {
		return validationf("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to %d", name, maxAliasNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '/' || c == '_' || c == '-') {
			return validationf("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, aliasPattern)
		}
	}
	if !strings.HasPrefix(name, aliasPrefix) {
		return validationf("%s", msgAliasPrefix)
	}
	if strings.HasPrefix(name, reservedAliasPrefix) {
		return errorf(CodeNotAuthorized, "The alias/aws/ prefix is reserved for AWS managed keys.")
	}
	if name == aliasPrefix || strings.Contains(name, ":") {
		// The model's pattern admits ':' but KMS refuses it in alias names.
		return errorf(CodeInvalidAliasName, "%s contains invalid characters for an alias", name)
	}
	return nil
}

// getAlias reads an alias; a missing one is NotFoundException with the
// alias ARN, as in AWS.
func (s *Service) getAlias(ctx context.Context, c Caller, name string) (*aliasRecord, uint64, error) {
	e, err := s.store.Get(ctx, aliasPath(c, name))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, 0, aliasNotFound(s.aliasARN(c, name))
	}
	if err != nil {
		return nil, 0, storeErr("get alias "+name, err)
	}
	a, err := decodeRecord[aliasRecord](e)
	if err != nil {
		return nil, 0, err
	}
	return a, e.Revision, nil
}

// CreateAlias creates an alias for a key named by key id or key ARN.
func (s *Service) CreateAlias(ctx context.Context, c Caller, aliasName, targetKeyID string) error {
	if err := c.validate(); err != nil {
		return err
	}
	if err := validateAliasName(aliasName); err != nil {
		return err
	}
	ck, err := s.resolve(ctx, c, targetKeyID, false)
	if err != nil {
		return err
	}
	if err := checkState(OpCreateAlias, ck.rec.State, ck.arn); err != nil {
		return err
	}
	if err := s.checkAliasQuota(ctx, c, ck.rec.KeyID); err != nil {
		return err
	}
	now := s.now().UTC()
	b, err := encodeRecord(&aliasRecord{
		Version: recordVersion, AccountID: c.AccountID, Region: c.Region,
		AliasName: aliasName, TargetKeyID: ck.rec.KeyID, CreationDate: now, LastUpdatedDate: now,
	})
	if err != nil {
		return err
	}
	path := aliasPath(c, aliasName)
	return casLoop(ctx, "create alias "+aliasName, func() error {
		_, err := s.store.Create(ctx, path, b)
		if !errors.Is(err, kv.ErrExists) {
			if err != nil {
				return storeErr("create alias "+aliasName, err)
			}
			return nil
		}
		// Taken, unless by an alias whose key is gone (a purge not yet
		// finished): that one may be replaced.
		existing, rev, err := s.getAlias(ctx, c, aliasName)
		if CodeOf(err) == CodeNotFound {
			return kv.ErrConflict // deleted in between: try Create again
		}
		if err != nil {
			return err
		}
		gone, err := s.keyGone(ctx, c, existing.TargetKeyID, s.now())
		if err != nil {
			return err
		}
		if !gone {
			return errorf(CodeAlreadyExists, "An alias with the name %s already exists", s.aliasARN(c, aliasName))
		}
		if _, err := s.store.Update(ctx, path, b, rev); err != nil {
			if errors.Is(err, kv.ErrConflict) || errors.Is(err, kv.ErrNotFound) {
				return kv.ErrConflict
			}
			return storeErr("replace alias "+aliasName, err)
		}
		return nil
	})
}

func (s *Service) checkAliasQuota(ctx context.Context, c Caller, keyID string) error {
	entries, err := s.store.List(ctx, aliasesPrefix(c))
	if err != nil {
		return storeErr("list aliases", err)
	}
	n := 0
	for _, e := range entries {
		a, err := decodeRecord[aliasRecord](e)
		if err != nil {
			return err
		}
		if a.TargetKeyID == keyID {
			n++
		}
	}
	if n >= s.cfg.MaxAliasesPerKey {
		return errorf(CodeLimitExceeded, "The request was rejected because a quota was exceeded: at most %d aliases per key.", s.cfg.MaxAliasesPerKey)
	}
	return nil
}

// UpdateAlias points an existing alias at another key (key id or key ARN).
// The old key may be in any state; the new one must not be pending
// deletion, and both must have the same key type and key usage.
func (s *Service) UpdateAlias(ctx context.Context, c Caller, aliasName, targetKeyID string) error {
	if err := c.validate(); err != nil {
		return err
	}
	if err := validateAliasName(aliasName); err != nil {
		return err
	}
	target, err := s.resolve(ctx, c, targetKeyID, false)
	if err != nil {
		return err
	}
	if err := checkState(OpUpdateAliasTarget, target.rec.State, target.arn); err != nil {
		return err
	}
	path := aliasPath(c, aliasName)
	return casLoop(ctx, "update alias "+aliasName, func() error {
		a, rev, err := s.getAlias(ctx, c, aliasName)
		if err != nil {
			return err
		}
		if a.TargetKeyID == target.rec.KeyID {
			return nil
		}
		old, err := s.getKey(ctx, c, a.TargetKeyID)
		if CodeOf(err) == CodeNotFound {
			return aliasNotFound(s.aliasARN(c, aliasName))
		}
		if err != nil {
			return err
		}
		if keyClass(old.rec.KeySpec) != keyClass(target.rec.KeySpec) || old.rec.KeyUsage != target.rec.KeyUsage {
			return validationf("Cannot update alias %s: the current key %s and the new key %s must have the same key type and key usage.",
				s.aliasARN(c, aliasName), old.arn, target.arn)
		}
		if err := s.checkAliasQuota(ctx, c, target.rec.KeyID); err != nil {
			return err
		}
		a.TargetKeyID = target.rec.KeyID
		a.LastUpdatedDate = s.now().UTC()
		b, err := encodeRecord(a)
		if err != nil {
			return err
		}
		if _, err := s.store.Update(ctx, path, b, rev); err != nil {
			if errors.Is(err, kv.ErrConflict) || errors.Is(err, kv.ErrNotFound) {
				return kv.ErrConflict
			}
			return storeErr("update alias "+aliasName, err)
		}
		return nil
	})
}

// DeleteAlias deletes an alias; the key is untouched. Works in every key
// state.
func (s *Service) DeleteAlias(ctx context.Context, c Caller, aliasName string) error {
	if err := c.validate(); err != nil {
		return err
	}
	if err := validateAliasName(aliasName); err != nil {
		return err
	}
	path := aliasPath(c, aliasName)
	return casLoop(ctx, "delete alias "+aliasName, func() error {
		a, rev, err := s.getAlias(ctx, c, aliasName)
		if err != nil {
			return err
		}
		gone, err := s.keyGone(ctx, c, a.TargetKeyID, s.now())
		if err != nil {
			return err
		}
		if err := s.store.Delete(ctx, path, rev); err != nil {
			if errors.Is(err, kv.ErrConflict) {
				return err
			}
			if errors.Is(err, kv.ErrNotFound) {
				return aliasNotFound(s.aliasARN(c, aliasName))
			}
			return storeErr("delete alias "+aliasName, err)
		}
		if gone {
			// The alias was a leftover of a deleted key: for the caller
			// it did not exist, though it is cleaned up now.
			return aliasNotFound(s.aliasARN(c, aliasName))
		}
		return nil
	})
}

// ListAliases lists the region's aliases ordered by name, optionally only
// those of one key (key id or key ARN). Limit defaults to 50 (max 100).
func (s *Service) ListAliases(ctx context.Context, c Caller, keyID string, p Page) ([]AliasListEntry, PageResult, error) {
	if err := c.validate(); err != nil {
		return nil, PageResult{}, err
	}
	filter := ""
	if keyID != "" {
		ck, err := s.resolve(ctx, c, keyID, false)
		if err != nil {
			return nil, PageResult{}, err
		}
		filter = ck.rec.KeyID
	}
	live, err := s.liveKeys(ctx, c)
	if err != nil {
		return nil, PageResult{}, err
	}
	entries, err := s.store.List(ctx, aliasesPrefix(c))
	if err != nil {
		return nil, PageResult{}, storeErr("list aliases", err)
	}
	out := make([]AliasListEntry, 0, len(entries))
	for _, e := range entries {
		a, err := decodeRecord[aliasRecord](e)
		if err != nil {
			return nil, PageResult{}, err
		}
		if live[a.TargetKeyID] == nil || (filter != "" && a.TargetKeyID != filter) {
			continue
		}
		out = append(out, AliasListEntry{
			AliasName:       a.AliasName,
			AliasArn:        s.aliasARN(c, a.AliasName),
			TargetKeyID:     a.TargetKeyID,
			CreationDate:    a.CreationDate,
			LastUpdatedDate: a.LastUpdatedDate,
		})
	}
	return paginate(out, func(e AliasListEntry) string { return e.AliasName }, "aliases", p, 50, 100)
}

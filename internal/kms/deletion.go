package kms

import (
	"context"
	"errors"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

// ScheduleKeyDeletionOutput is the result of ScheduleKeyDeletion.
type ScheduleKeyDeletionOutput struct {
	KeyID               string // key ARN
	DeletionDate        time.Time
	KeyState            KeyState
	PendingWindowInDays int
}

// ScheduleKeyDeletion puts a key in PendingDeletion for pendingWindowInDays
// days (7-30; 0 means the default of 30). Nothing runs in the background:
// once DeletionDate has passed, every operation treats the key as deleted,
// and the key, its grants and its aliases are purged when next touched or by
// PurgeExpired.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, c Caller, keyID string, pendingWindowInDays int) (ScheduleKeyDeletionOutput, error) {
	if pendingWindowInDays == 0 {
		pendingWindowInDays = 30
	}
	if pendingWindowInDays < 7 || pendingWindowInDays > 30 {
		return ScheduleKeyDeletionOutput{}, validationf("PendingWindowInDays should be between 7 and 30, but it is %d", pendingWindowInDays)
	}
	rec, err := s.updateKey(ctx, c, keyID, OpScheduleKeyDeletion, func(r *keyRecord) (bool, error) {
		r.State = KeyStatePendingDeletion
		r.DeletionDate = s.now().UTC().Add(time.Duration(pendingWindowInDays) * 24 * time.Hour)
		r.PendingWindowInDays = pendingWindowInDays
		return true, nil
	})
	if err != nil {
		return ScheduleKeyDeletionOutput{}, err
	}
	return ScheduleKeyDeletionOutput{
		KeyID:               s.keyARN(c, rec.KeyID),
		DeletionDate:        rec.DeletionDate,
		KeyState:            rec.State,
		PendingWindowInDays: rec.PendingWindowInDays,
	}, nil
}

// CancelKeyDeletion takes a key out of PendingDeletion. As in AWS, the key
// comes back Disabled; it returns the key ARN.
func (s *Service) CancelKeyDeletion(ctx context.Context, c Caller, keyID string) (string, error) {
	rec, err := s.updateKey(ctx, c, keyID, OpCancelKeyDeletion, func(r *keyRecord) (bool, error) {
		r.State = KeyStateDisabled
		r.DeletionDate = time.Time{}
		r.PendingWindowInDays = 0
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return s.keyARN(c, rec.KeyID), nil
}

// PurgeExpired deletes, in every account and region, the keys whose
// deletion date is not after now, with their grants and aliases, and also
// clears aliases and grants left behind by an interrupted purge. It returns
// the number of keys deleted. The app calls it periodically; calling it from
// several nodes at once is safe.
func (s *Service) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	keys, err := s.store.List(ctx, storeRoot+"."+kindKey+".")
	if err != nil {
		return 0, storeErr("list keys", err)
	}
	purged := 0
	for _, e := range keys {
		rec, err := decodeRecord[keyRecord](e)
		if err != nil {
			return purged, err
		}
		if !rec.expired(now) {
			continue
		}
		if err := s.purgeKey(ctx, rec.caller(), rec.KeyID, now); err != nil {
			return purged, err
		}
		purged++
	}
	if err := s.purgeOrphans(ctx, now); err != nil {
		return purged, err
	}
	return purged, nil
}

// keyGone reports whether a key no longer exists for any operation.
func (s *Service) keyGone(ctx context.Context, c Caller, keyID string, now time.Time) (bool, error) {
	e, err := s.store.Get(ctx, keyPath(c, keyID))
	if errors.Is(err, kv.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, storeErr("get key "+keyID, err)
	}
	rec, err := decodeRecord[keyRecord](e)
	if err != nil {
		return false, err
	}
	return rec.expired(now), nil
}

// purgeOrphans removes aliases and grants whose key is gone. Each candidate
// is checked against the catalog again right before it is deleted, so an
// alias created after the listing is never mistaken for an orphan.
func (s *Service) purgeOrphans(ctx context.Context, now time.Time) error {
	aliases, err := s.store.List(ctx, storeRoot+"."+kindAlias+".")
	if err != nil {
		return storeErr("list aliases", err)
	}
	for _, e := range aliases {
		a, err := decodeRecord[aliasRecord](e)
		if err != nil {
			return err
		}
		c := Caller{AccountID: a.AccountID, Region: a.Region}
		gone, err := s.keyGone(ctx, c, a.TargetKeyID, now)
		if err != nil {
			return err
		}
		if gone {
			if err := s.deleteAliasIfTarget(ctx, c, a.AliasName, a.TargetKeyID); err != nil {
				return err
			}
		}
	}
	grants, err := s.store.List(ctx, storeRoot+"."+kindGrant+".")
	if err != nil {
		return storeErr("list grants", err)
	}
	for _, e := range grants {
		g, err := decodeRecord[grantRecord](e)
		if err != nil {
			return err
		}
		gone, err := s.keyGone(ctx, Caller{AccountID: g.AccountID, Region: g.Region}, g.KeyID, now)
		if err != nil {
			return err
		}
		if gone {
			if err := s.store.Delete(ctx, e.Key, e.Revision); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return storeErr("delete grant "+g.GrantID, err)
			}
		}
	}
	return nil
}

// purgeKey deletes an expired key for good: first its grants and aliases,
// then the key record, so that an interruption leaves the key expired (and
// purged again later) rather than leaving orphans behind.
func (s *Service) purgeKey(ctx context.Context, c Caller, keyID string, now time.Time) error {
	grants, err := s.store.List(ctx, keyGrantsPrefix(c, keyID))
	if err != nil {
		return storeErr("list grants of "+keyID, err)
	}
	for _, e := range grants {
		// Grants are never rewritten, so a conflict cannot happen; a grant
		// already gone is what we want.
		if err := s.store.Delete(ctx, e.Key, e.Revision); err != nil && !errors.Is(err, kv.ErrNotFound) {
			return storeErr("delete grant", err)
		}
	}
	aliases, err := s.store.List(ctx, aliasesPrefix(c))
	if err != nil {
		return storeErr("list aliases", err)
	}
	for _, e := range aliases {
		a, err := decodeRecord[aliasRecord](e)
		if err != nil {
			return err
		}
		if a.TargetKeyID == keyID {
			if err := s.deleteAliasIfTarget(ctx, c, a.AliasName, keyID); err != nil {
				return err
			}
		}
	}
	path := keyPath(c, keyID)
	err = casLoop(ctx, "purge key "+keyID, func() error {
		e, err := s.store.Get(ctx, path)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return storeErr("get key "+keyID, err)
		}
		rec, err := decodeRecord[keyRecord](e)
		if err != nil {
			return err
		}
		if !rec.expired(now) {
			return nil
		}
		err = s.store.Delete(ctx, path, e.Revision)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil && !errors.Is(err, kv.ErrConflict) {
			return storeErr("delete key "+keyID, err)
		}
		return err
	})
	s.evict(path)
	return err
}

// deleteAliasIfTarget deletes an alias only while it still points at
// keyID: an alias moved to another key in the meantime stays.
func (s *Service) deleteAliasIfTarget(ctx context.Context, c Caller, aliasName, keyID string) error {
	path := aliasPath(c, aliasName)
	return casLoop(ctx, "delete alias "+aliasName, func() error {
		e, err := s.store.Get(ctx, path)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return storeErr("get alias "+aliasName, err)
		}
		a, err := decodeRecord[aliasRecord](e)
		if err != nil {
			return err
		}
		if a.TargetKeyID != keyID {
			return nil
		}
		err = s.store.Delete(ctx, path, e.Revision)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil && !errors.Is(err, kv.ErrConflict) {
			return storeErr("delete alias "+aliasName, err)
		}
		return err
	})
}

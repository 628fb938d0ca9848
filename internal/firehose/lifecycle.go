package firehose

import (
	"context"
	"errors"
	"time"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
)

// rescanInterval bounds how long a transition scheduled by another node
// (or before a restart) waits to be noticed.
const rescanInterval = 2 * time.Second

// controller finishes the asynchronous parts of the lifecycle: CREATING →
// ACTIVE and DELETING → removed. It keeps no state of its own: the due
// time of every transition is in the catalog, so a restarted node, or any
// of several nodes, picks up where another stopped. Every step is a
// compare-and-set, so two nodes never both perform a transition.
type controller struct {
	svc  *Service
	wake chan struct{}
}

func newController(s *Service) *controller {
	return &controller{svc: s, wake: make(chan struct{}, 1)}
}

// kick asks for a pass soon, after a local change scheduled a transition.
func (c *controller) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *controller) run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-timer.C:
		}
		next := c.pass(ctx)
		wait := rescanInterval
		if !next.IsZero() {
			if d := next.Sub(c.svc.now()); d < wait {
				wait = max(d, 0)
			}
		}
		timer.Reset(wait)
	}
}

// pass performs every transition that is due and returns the earliest
// due time still in the future (zero if none).
func (c *controller) pass(ctx context.Context) time.Time {
	entries, err := c.svc.catalog.List(ctx, allStreamsPrefix)
	if err != nil {
		if ctx.Err() == nil {
			c.svc.log.Warn("lifecycle scan failed", "err", err)
		}
		return time.Time{}
	}
	now := c.svc.now()
	var next time.Time
	for _, e := range entries {
		st, err := decodeStream(e)
		if err != nil {
			c.svc.log.Error("lifecycle: undecodable catalog entry", "key", e.Key, "err", err)
			continue
		}
		due, ok := nextDue(&st.DeliveryStream)
		if !ok {
			continue
		}
		if due.After(now) {
			if next.IsZero() || due.Before(next) {
				next = due
			}
			continue
		}
		if err := c.advance(ctx, st); err != nil && ctx.Err() == nil {
			c.svc.log.Warn("lifecycle transition failed", "stream", st.ARN, "status", st.Status, "err", err)
			next = now.Add(time.Second)
		}
	}
	return next
}

// nextDue returns when the stream next needs the controller, if ever: the
// end of CREATING or DELETING, an encryption transition, or a grant to
// retire.
func nextDue(ds *DeliveryStream) (time.Time, bool) {
	switch ds.Status {
	case StatusCreating, StatusDeleting:
		return ds.DueAt, true
	case StatusActive:
		return encryptionDue(&ds.Encryption)
	}
	return time.Time{}, false
}

func (c *controller) advance(ctx context.Context, st *stored) error {
	switch st.Status {
	case StatusCreating:
		return c.finishCreate(ctx, st)
	case StatusDeleting:
		return c.finishDelete(ctx, st)
	case StatusActive:
		return c.advanceEncryption(ctx, st)
	}
	return nil
}

func (c *controller) finishCreate(ctx context.Context, st *stored) error {
	st.Status = StatusActive
	st.DueAt = time.Time{}
	if st.Encryption.Status == fm.DeliveryStreamEncryptionStatusEnabling {
		if err := c.enable(ctx, &st.DeliveryStream); err != nil {
			if !isKMSCustomerError(err) {
				return err // KMS unavailable: try again later
			}
			// A stream whose key cannot be granted never becomes ACTIVE.
			st.Status = StatusCreatingFailed
			st.Failure = st.Encryption.Failure
		}
	}
	err := c.svc.save(ctx, st)
	if errors.Is(err, kv.ErrConflict) {
		return nil // another node (or a concurrent call) got there first
	}
	if err == nil {
		c.svc.log.Info("delivery stream active", "stream", st.ARN)
	}
	return err
}

func (c *controller) finishDelete(ctx context.Context, st *stored) error {
	if err := c.retireAllGrants(ctx, st); err != nil {
		return err
	}
	if st.Status == StatusDeletingFailed {
		return nil
	}
	if err := c.svc.records.PurgeRecords(ctx, st.UID); err != nil {
		return err
	}
	key := streamKey(Caller{st.AccountID, st.Region}, st.Name)
	err := c.svc.catalog.Delete(ctx, key, st.revision)
	if errors.Is(err, kv.ErrConflict) || errors.Is(err, kv.ErrNotFound) {
		return nil
	}
	if err == nil {
		c.svc.cache.forget(key)
		c.svc.log.Info("delivery stream deleted", "stream", st.ARN)
		if c.svc.cfg.OnDeleted != nil {
			c.svc.cfg.OnDeleted(st.ARN)
		}
	}
	return err
}

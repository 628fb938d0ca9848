package firehose

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
)

// The background half of server-side encryption: granting a new key,
// switching the key in effect, and retiring the grants of keys no longer
// used once their records are delivered. Each step is saved with a
// compare-and-set, so with several nodes only one performs it.

// encryptionDue returns when an ACTIVE stream's encryption next needs
// work.
func encryptionDue(enc *Encryption) (time.Time, bool) {
	switch enc.Status {
	case fm.DeliveryStreamEncryptionStatusEnabling, fm.DeliveryStreamEncryptionStatusDisabling:
		return enc.DueAt, true
	}
	if len(enc.Retiring) > 0 {
		due := enc.Retiring[0].After
		for _, r := range enc.Retiring[1:] {
			if r.After.Before(due) {
				due = r.After
			}
		}
		return due, true
	}
	return time.Time{}, false
}

func (c *controller) advanceEncryption(ctx context.Context, st *stored) error {
	enc := &st.Encryption
	switch enc.Status {
	case fm.DeliveryStreamEncryptionStatusEnabling:
		if err := c.enable(ctx, &st.DeliveryStream); err != nil && !isKMSCustomerError(err) {
			return err
		}
	case fm.DeliveryStreamEncryptionStatusDisabling:
		c.disable(&st.DeliveryStream)
	default:
		if err := c.retireDelivered(ctx, st); err != nil {
			if errors.Is(err, kv.ErrConflict) {
				return nil // changed meanwhile; the next pass sees the new state
			}
			return err
		}
	}
	err := c.svc.save(ctx, st)
	if errors.Is(err, kv.ErrConflict) {
		return nil // changed meanwhile; the next pass sees the new state
	}
	if err == nil {
		c.svc.log.Info("encryption status", "stream", st.ARN, "status", enc.Status, "key_type", enc.KeyType)
	}
	return err
}

// enable grants Firehose the pending key and makes it the key in effect.
// On a KMS refusal the status becomes ENABLING_FAILED and the old key, if
// any, stays in effect; the refusal is returned so the caller can tell it
// from KMS being unavailable.
func (c *controller) enable(ctx context.Context, ds *DeliveryStream) error {
	enc := &ds.Encryption
	key := enc.Pending
	if key == nil {
		return fmt.Errorf("firehose: %s is ENABLING without a pending key", ds.ARN)
	}
	enc.DueAt = time.Time{}
	if key.Type == fm.KeyTypeCustomerManagedCmk {
		grantID, err := c.svc.kms.CreateGrant(ctx, key.Owner, key.ARN, grantName(ds))
		if err == nil {
			// A grant on a disabled or deleted key is useless: check it can
			// encrypt before switching to it.
			err = c.svc.kms.CheckGrant(ctx, key.Owner, key.ARN, grantID)
			if err != nil && isKMSCustomerError(err) && !grantInUse(enc, key.ARN, grantID) {
				// Do not leave behind a grant nothing records. (Grants are
				// idempotent by name, so the one returned may be the grant
				// of the key in effect, which must stay.)
				if rerr := c.svc.kms.RetireGrant(ctx, key.Owner, key.ARN, grantID); rerr != nil {
					c.svc.log.Warn("retire unused grant", "stream", ds.ARN, "key", key.ARN, "grant", grantID, "err", rerr)
				}
			}
		}
		if err != nil {
			if !isKMSCustomerError(err) {
				enc.DueAt = c.svc.now().Add(time.Second)
				return err
			}
			enc.Status = fm.DeliveryStreamEncryptionStatusEnablingFailed
			enc.Failure = failureFor(err, fm.DeliveryStreamFailureTypeCreateKmsGrantFailed)
			enc.Pending = nil
			return err
		}
		key.GrantID = grantID
		// Back to a key whose grant was waiting for retirement (k1 -> k2 ->
		// k1): CreateGrant returned that same grant, which is in use again.
		enc.Retiring = slices.DeleteFunc(enc.Retiring, func(r RetiringKey) bool {
			return r.ARN == key.ARN && r.GrantID == grantID
		})
	}
	c.retireLater(ds, enc.Effective, key)
	enc.Effective = key
	enc.Pending = nil
	enc.Status = fm.DeliveryStreamEncryptionStatusEnabled
	return nil
}

// disable stops sealing new records. The grant of a customer key is
// retired later, once the records sealed under it are delivered.
func (c *controller) disable(ds *DeliveryStream) {
	enc := &ds.Encryption
	c.retireLater(ds, enc.Effective, nil)
	enc.Effective = nil
	enc.DueAt = time.Time{}
	enc.Status = fm.DeliveryStreamEncryptionStatusDisabled
}

// retireLater queues the grant of old for retirement when old is a
// customer key that is being replaced by something else.
func (c *controller) retireLater(ds *DeliveryStream, old, replacement *SSEKey) {
	if old == nil || old.Type != fm.KeyTypeCustomerManagedCmk || old.GrantID == "" {
		return
	}
	if replacement != nil && replacement.ARN == old.ARN && replacement.GrantID == old.GrantID {
		return
	}
	ds.Encryption.Retiring = append(ds.Encryption.Retiring, RetiringKey{SSEKey: *old, After: c.svc.now().Add(retireGrace)})
}

// Retiring a grant is a side effect that a compare-and-set cannot undo,
// and RetireGrant is not idempotent: retiring a grant twice fails the
// second time exactly as retiring a grant the customer revoked does. So
// retirement has two steps. First the grant is checked to still exist (a
// grant already gone is the customer's doing: RETIRE_KMS_GRANT_FAILED), and
// the entry is marked Attempted in the catalog. Only then is it retired,
// and for a marked entry "no such grant" means another node, or this one
// before a crash or a lost compare-and-set, already retired it.

// retireDelivered retires the grants of old keys whose records have all
// been delivered. A grant that cannot be retired for a reason that is the
// customer's (key or grant in an invalid state) gives DISABLING_FAILED
// (when encryption is DISABLED) with RETIRE_KMS_GRANT_FAILED, as AWS
// reports it. It saves the Attempted marks itself; kv.ErrConflict means
// the stream changed meanwhile and nothing was retired.
func (c *controller) retireDelivered(ctx context.Context, st *stored) error {
	enc := &st.Encryption
	now := c.svc.now()
	var ready []int // entries whose records are all delivered
	for i := range enc.Retiring {
		r := &enc.Retiring[i]
		if now.Before(r.After) {
			continue
		}
		if r.LastSequence == 0 {
			last, err := c.svc.records.LastSequence(ctx, st.UID)
			if err != nil {
				return err
			}
			r.LastSequence = max(last, 1)
		}
		first, ok, err := c.svc.records.FirstSequence(ctx, st.UID)
		if err != nil {
			return err
		}
		if ok && first <= r.LastSequence {
			// Records sealed under this key still wait for delivery.
			r.After = now.Add(2 * time.Second)
			continue
		}
		ready = append(ready, i)
	}
	marked, err := c.markRetirable(ctx, st, ready)
	if err != nil {
		return err
	}
	if marked {
		if err := c.svc.save(ctx, st); err != nil {
			return err
		}
	}
	var failure error
	kept := enc.Retiring[:0]
	for _, r := range enc.Retiring {
		if !r.Attempted {
			kept = append(kept, r)
			continue
		}
		err := c.svc.kms.RetireGrant(ctx, r.Owner, r.ARN, r.GrantID)
		switch {
		case err == nil || grantGone(err):
		case !isKMSCustomerError(err):
			r.After = now.Add(2 * time.Second)
			kept = append(kept, r)
		default:
			failure = err
		}
	}
	enc.Retiring = kept
	if failure != nil {
		c.retireFailed(enc, failure)
	}
	return nil
}

// markRetirable checks that the grants of the entries at ready still
// exist and marks them Attempted. An entry whose grant is already gone is
// dropped and reported on the stream; an entry KMS cannot answer for now
// waits. It reports whether any entry was newly marked.
func (c *controller) markRetirable(ctx context.Context, st *stored, ready []int) (bool, error) {
	enc := &st.Encryption
	marked := false
	var gone []int
	for _, i := range ready {
		r := &enc.Retiring[i]
		if r.Attempted {
			continue
		}
		err := c.grantPresent(ctx, r.SSEKey)
		switch {
		case err == nil:
			r.Attempted = true
			marked = true
		case !isKMSCustomerError(err):
			r.After = c.svc.now().Add(2 * time.Second)
		default:
			c.retireFailed(enc, err)
			gone = append(gone, i)
		}
	}
	for j := len(gone) - 1; j >= 0; j-- {
		enc.Retiring = slices.Delete(enc.Retiring, gone[j], gone[j]+1)
	}
	return marked || len(gone) > 0, nil
}

// retireFailed reports a grant that could not be retired.
func (c *controller) retireFailed(enc *Encryption, err error) {
	if enc.Status == fm.DeliveryStreamEncryptionStatusDisabled {
		enc.Status = fm.DeliveryStreamEncryptionStatusDisablingFailed
	}
	enc.Failure = failureFor(err, fm.DeliveryStreamFailureTypeRetireKmsGrantFailed)
	retire := fm.DeliveryStreamFailureTypeRetireKmsGrantFailed
	enc.Failure.Type = &retire
}

// grantPresent reports whether a grant still exists: nil when it does
// (whatever the state of its key: RetireGrant works in every key state),
// a KMS error when it or its key is gone, another error when KMS cannot
// tell now.
func (c *controller) grantPresent(ctx context.Context, k SSEKey) error {
	err := c.svc.kms.CheckGrant(ctx, k.Owner, k.ARN, k.GrantID)
	switch KMSCode(err) {
	case "DisabledException", "KMSInvalidStateException":
		return nil
	}
	return err
}

// grantGone reports whether a KMS error says the grant no longer exists.
func grantGone(err error) bool {
	switch KMSCode(err) {
	case "InvalidGrantIdException", "NotFoundException":
		return true
	}
	return false
}

// retireAllGrants retires every grant of a stream being deleted (its
// records are dropped with it), in the two steps described above. A
// customer-caused failure leaves the stream DELETING_FAILED unless the
// delete was forced; a KMS outage is retried. kv.ErrConflict means the
// stream changed meanwhile and the next pass starts again.
func (c *controller) retireAllGrants(ctx context.Context, st *stored) error {
	enc := &st.Encryption
	if k := enc.Effective; k != nil && k.Type == fm.KeyTypeCustomerManagedCmk && k.GrantID != "" {
		enc.Retiring = append(enc.Retiring, RetiringKey{SSEKey: *k})
	}
	enc.Effective = nil
	if st.ForceDelete {
		// Delete anyway: retire what can be, the customer revokes the rest.
		for _, r := range enc.Retiring {
			if err := c.svc.kms.RetireGrant(ctx, r.Owner, r.ARN, r.GrantID); err != nil {
				c.svc.log.Warn("forced delete: grant not retired", "stream", st.ARN, "key", r.ARN, "grant", r.GrantID, "err", err)
			}
		}
		enc.Retiring = nil
		return nil
	}
	marked := false
	for i := range enc.Retiring {
		r := &enc.Retiring[i]
		if r.Attempted {
			continue
		}
		err := c.grantPresent(ctx, r.SSEKey)
		if err == nil {
			r.Attempted, marked = true, true
			continue
		}
		if !isKMSCustomerError(err) {
			return err
		}
		return c.deleteFailed(ctx, st, err)
	}
	if marked {
		if err := c.svc.save(ctx, st); err != nil {
			if errors.Is(err, kv.ErrConflict) {
				return fmt.Errorf("firehose: %s changed while its grants were being retired: %w", st.ARN, err)
			}
			return err
		}
	}
	for _, r := range enc.Retiring {
		err := c.svc.kms.RetireGrant(ctx, r.Owner, r.ARN, r.GrantID)
		if err == nil || grantGone(err) {
			continue
		}
		if !isKMSCustomerError(err) {
			return err
		}
		return c.deleteFailed(ctx, st, err)
	}
	enc.Retiring = nil
	return nil
}

// deleteFailed leaves a stream DELETING_FAILED with RETIRE_KMS_GRANT_FAILED.
func (c *controller) deleteFailed(ctx context.Context, st *stored, cause error) error {
	st.Status = StatusDeletingFailed
	st.Failure = failureFor(cause, fm.DeliveryStreamFailureTypeRetireKmsGrantFailed)
	retire := fm.DeliveryStreamFailureTypeRetireKmsGrantFailed
	st.Failure.Type = &retire
	st.DueAt = time.Time{}
	if err := c.svc.save(ctx, st); err != nil && !errors.Is(err, kv.ErrConflict) {
		return err
	}
	return nil
}

// grantInUse reports whether a grant is the one of the key in effect or of
// a key waiting for retirement.
func grantInUse(enc *Encryption, keyARN, grantID string) bool {
	if k := enc.Effective; k != nil && k.ARN == keyARN && k.GrantID == grantID {
		return true
	}
	for _, r := range enc.Retiring {
		if r.ARN == keyARN && r.GrantID == grantID {
			return true
		}
	}
	return false
}

// grantName names a stream's grants; CreateGrant is idempotent by name, so
// a retried enable finds the grant it already made.
func grantName(ds *DeliveryStream) string { return "firehose-" + ds.UID }

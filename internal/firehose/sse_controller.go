package firehose

import (
	"context"
	"errors"
	"fmt"
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

// retireDelivered retires the grants of old keys whose records have all
// been delivered. A grant that cannot be retired for a reason that is the
// customer's (key or grant in an invalid state) gives DISABLING_FAILED
// with RETIRE_KMS_GRANT_FAILED, as AWS reports it.
func (c *controller) retireDelivered(ctx context.Context, st *stored) error {
	enc := &st.Encryption
	now := c.svc.now()
	var kept []RetiringKey
	for _, r := range enc.Retiring {
		if now.Before(r.After) {
			kept = append(kept, r)
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
			kept = append(kept, r)
			continue
		}
		if err := c.svc.kms.RetireGrant(ctx, r.Owner, r.ARN, r.GrantID); err != nil {
			if !isKMSCustomerError(err) {
				r.After = now.Add(2 * time.Second)
				kept = append(kept, r)
				continue
			}
			if enc.Status == fm.DeliveryStreamEncryptionStatusDisabled {
				enc.Status = fm.DeliveryStreamEncryptionStatusDisablingFailed
			}
			enc.Failure = failureFor(err, fm.DeliveryStreamFailureTypeRetireKmsGrantFailed)
			retire := fm.DeliveryStreamFailureTypeRetireKmsGrantFailed
			enc.Failure.Type = &retire
		}
	}
	enc.Retiring = kept
	return nil
}

// retireAllGrants retires every grant of a stream being deleted (its
// records are dropped with it). A customer-caused failure leaves the
// stream DELETING_FAILED unless the delete was forced; a KMS outage is
// retried.
func (c *controller) retireAllGrants(ctx context.Context, st *stored) error {
	enc := &st.Encryption
	keys := make([]SSEKey, 0, len(enc.Retiring)+1)
	if k := enc.Effective; k != nil && k.Type == fm.KeyTypeCustomerManagedCmk && k.GrantID != "" {
		keys = append(keys, *k)
	}
	for _, r := range enc.Retiring {
		keys = append(keys, r.SSEKey)
	}
	for _, k := range keys {
		err := c.svc.kms.RetireGrant(ctx, k.Owner, k.ARN, k.GrantID)
		if err == nil || st.ForceDelete {
			continue
		}
		if !isKMSCustomerError(err) {
			return err
		}
		st.Status = StatusDeletingFailed
		st.Failure = failureFor(err, fm.DeliveryStreamFailureTypeRetireKmsGrantFailed)
		retire := fm.DeliveryStreamFailureTypeRetireKmsGrantFailed
		st.Failure.Type = &retire
		st.DueAt = time.Time{}
		if err := c.svc.save(ctx, st); err != nil && !errors.Is(err, kv.ErrConflict) {
			return err
		}
		return nil
	}
	enc.Effective, enc.Retiring = nil, nil
	return nil
}

// grantName names a stream's grants; CreateGrant is idempotent by name, so
// a retried enable finds the grant it already made.
func grantName(ds *DeliveryStream) string { return "firehose-" + ds.UID }

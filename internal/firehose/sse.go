package firehose

import (
	"context"
	"errors"
	"fmt"
	"time"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// Server-side encryption (spec §1): StartDeliveryStreamEncryption and
// StopDeliveryStreamEncryption return at once; the controller finishes the
// transition in the background (sse_controller.go). The state machine:
//
//	DISABLED --Start--> ENABLING --grant ok--> ENABLED
//	                        \--grant failed--> ENABLING_FAILED --Start--> ENABLING
//	ENABLED --Start(new key)--> ENABLING (old key stays in effect until the new one is ready)
//	ENABLED / ENABLING_FAILED --Stop--> DISABLING --> DISABLED (or DISABLING_FAILED)
//	ENABLING, DISABLING: Start and Stop answer ResourceInUseException.

const (
	// MaxEncryptionCalls is how many Start and Stop calls together a
	// stream may receive in any rolling 24 hours.
	MaxEncryptionCalls = 25
	// MaxStreamsPerKey is how many streams one customer key may encrypt.
	MaxStreamsPerKey = 500
	// GranteePrincipal is the principal Firehose's grants name.
	GranteePrincipal = "firehose.amazonaws.com"
	// retireGrace is how long an old key may still be used for new data
	// after a switch (AWS documents up to 5 seconds), before the records
	// sealed under it can all be known.
	retireGrace = 5 * time.Second
)

// Encryption is the server-side encryption state of a DirectPut stream.
// Status is empty for streams that cannot have SSE (Kinesis, MSK and
// database sources), which Describe shows as an absent member.
type Encryption struct {
	Status fm.DeliveryStreamEncryptionStatus `json:"status,omitempty"`
	// KeyType and KeyARN are what Describe shows: the key last asked for.
	KeyType fm.KeyType             `json:"keyType,omitempty"`
	KeyARN  string                 `json:"keyArn,omitempty"`
	Failure *fm.FailureDescription `json:"failure,omitempty"`
	// Effective is the key new records are sealed under; nil means they are
	// stored in plaintext.
	Effective *SSEKey `json:"effective,omitempty"`
	// Pending is the key being enabled (ENABLING).
	Pending *SSEKey `json:"pending,omitempty"`
	// Retiring lists customer keys no longer used for new records whose
	// grants are retired once every record sealed under them is delivered.
	Retiring []RetiringKey `json:"retiring,omitempty"`
	// DueAt is when the controller performs the pending transition.
	DueAt time.Time `json:"due,omitzero"`
	// Calls holds the times of recent Start and Stop calls, for the
	// 25-per-24-hours limit.
	Calls []time.Time `json:"calls,omitempty"`
}

// SSEKey is a KMS key used for a stream's records.
type SSEKey struct {
	Type fm.KeyType `json:"type"`
	// ARN is the resolved key ARN (an alias is resolved when Start is
	// called), which GenerateDataKey and Decrypt use.
	ARN string `json:"arn"`
	// Owner is the account and region the key belongs to: the stream's
	// for a customer key, the service's for AWS_OWNED_CMK.
	Owner   Caller `json:"owner"`
	GrantID string `json:"grantId,omitempty"`
}

// RetiringKey is an old customer key waiting for its grant to be retired.
type RetiringKey struct {
	SSEKey
	// After is when the data path can no longer be using the key.
	After time.Time `json:"after"`
	// LastSequence is the last record-log sequence that may be sealed
	// under the key, known once After has passed (0 before).
	LastSequence uint64 `json:"lastSeq,omitempty"`
	// Attempted is set, in the catalog, once the grant was seen to exist
	// and is about to be retired (see sse_controller.go).
	Attempted bool `json:"attempted,omitempty"`
}

// StartEncryption implements StartDeliveryStreamEncryption.
func (s *Service) StartEncryption(ctx context.Context, c Caller, name string, in *fm.DeliveryStreamEncryptionConfigurationInput) error {
	if in == nil {
		in = &fm.DeliveryStreamEncryptionConfigurationInput{KeyType: ptr(fm.KeyTypeAwsOwnedCmk)}
	}
	if err := checkKeyChoice(in); err != nil {
		return err
	}
	// The stream's own rules come first (not found, not DirectPut, a
	// change in progress, the call limit), so a call that could never
	// succeed is not answered with a key problem.
	st, err := s.load(ctx, c, name)
	if err != nil {
		return err
	}
	if err := checkEncryptionCall(&st.DeliveryStream, c, s.now()); err != nil {
		return err
	}
	// Then the key, before the stream changes: key problems the caller can
	// see at once are answered synchronously (InvalidKMSResourceException)
	// and do not count toward the call limit.
	key, err := s.resolveKey(ctx, c, in)
	if err != nil {
		return err
	}
	if key.Type == fm.KeyTypeCustomerManagedCmk {
		if err := s.checkKeyQuota(ctx, c, name, key.ARN); err != nil {
			return err
		}
	}
	_, err = s.modify(ctx, c, name, func(ds *DeliveryStream) error {
		now := s.now()
		if err := checkEncryptionCall(ds, c, now); err != nil {
			return err
		}
		enc := &ds.Encryption
		enc.Calls = append(enc.Calls, now)
		enc.Status = fm.DeliveryStreamEncryptionStatusEnabling
		enc.KeyType = key.Type
		enc.KeyARN = deref(in.KeyARN)
		enc.Failure = nil
		enc.Pending = key
		enc.DueAt = now.Add(s.cfg.EncryptionDelay)
		return nil
	})
	if err != nil {
		return err
	}
	s.ctl.kick()
	return nil
}

// StopEncryption implements StopDeliveryStreamEncryption. Stopping a stream
// whose encryption is already DISABLED succeeds and counts toward the limit.
func (s *Service) StopEncryption(ctx context.Context, c Caller, name string) error {
	_, err := s.modify(ctx, c, name, func(ds *DeliveryStream) error {
		now := s.now()
		if err := checkEncryptionCall(ds, c, now); err != nil {
			return err
		}
		enc := &ds.Encryption
		enc.Calls = append(enc.Calls, now)
		if enc.Status == fm.DeliveryStreamEncryptionStatusDisabled {
			return nil
		}
		enc.Status = fm.DeliveryStreamEncryptionStatusDisabling
		enc.Failure = nil
		enc.Pending = nil
		enc.DueAt = now.Add(s.cfg.EncryptionDelay)
		return nil
	})
	if err != nil {
		return err
	}
	s.ctl.kick()
	return nil
}

// checkEncryptionCall applies the rules Start and Stop share, and prunes
// the call history to the rolling 24-hour window.
func checkEncryptionCall(ds *DeliveryStream, c Caller, now time.Time) error {
	if ds.Type != fm.DeliveryStreamTypeDirectPut {
		return invalidArgument("This operation is not permitted on %s delivery stream type.", ds.Type)
	}
	if ds.Status != StatusActive {
		return newError(ErrInUse, "Firehose %s under account %s is not in ACTIVE state; its status is %s.", ds.Name, c.AccountID, ds.Status)
	}
	enc := &ds.Encryption
	switch enc.Status {
	case fm.DeliveryStreamEncryptionStatusEnabling, fm.DeliveryStreamEncryptionStatusDisabling:
		return newError(ErrInUse, "Firehose %s under account %s has an encryption change in progress; its encryption status is %s.", ds.Name, c.AccountID, enc.Status)
	}
	kept := enc.Calls[:0]
	for _, t := range enc.Calls {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
		}
	}
	enc.Calls = kept
	if len(kept) >= MaxEncryptionCalls {
		return newError(ErrLimitExceeded, "You have exceeded the limit of %d StartDeliveryStreamEncryption and StopDeliveryStreamEncryption calls in 24 hours for Firehose %s under account %s.", MaxEncryptionCalls, ds.Name, c.AccountID)
	}
	return nil
}

// resolveKey checks the requested key synchronously. A customer key must
// exist, be enabled, and be a symmetric encryption key; problems are
// InvalidKMSResourceException carrying the KMS exception name in "code".
func (s *Service) resolveKey(ctx context.Context, c Caller, in *fm.DeliveryStreamEncryptionConfigurationInput) (*SSEKey, error) {
	if s.kms == nil {
		return nil, newError(ErrInvalidKMSResource, "Server-side encryption is not available: no KMS is configured.")
	}
	if derefOr(in.KeyType, fm.KeyTypeAwsOwnedCmk) == fm.KeyTypeAwsOwnedCmk {
		arn, owner, err := s.kms.ServiceKey(ctx, c.Region)
		if err != nil {
			return nil, fmt.Errorf("firehose: service key: %w", err)
		}
		return &SSEKey{Type: fm.KeyTypeAwsOwnedCmk, ARN: arn, Owner: owner}, nil
	}
	key, err := s.kms.DescribeKey(ctx, c, deref(in.KeyARN))
	if err != nil {
		var kerr *KMSError
		if errors.As(err, &kerr) {
			return nil, &Error{Kind: ErrInvalidKMSResource, Message: kerr.Message, KMSCode: kerr.Code}
		}
		return nil, fmt.Errorf("firehose: describe key: %w", err)
	}
	if err := keyUsable(key); err != nil {
		return nil, err
	}
	return &SSEKey{Type: fm.KeyTypeCustomerManagedCmk, ARN: key.ARN, Owner: c}, nil
}

func keyUsable(key KMSKey) *Error {
	switch {
	case !key.Symmetric:
		return &Error{Kind: ErrInvalidKMSResource, KMSCode: "InvalidKeyUsageException",
			Message: fmt.Sprintf("%s is not a symmetric encryption key; Firehose supports only symmetric keys.", key.ARN)}
	case key.State == "Disabled":
		return &Error{Kind: ErrInvalidKMSResource, KMSCode: "DisabledException", Message: key.ARN + " is disabled."}
	case key.State == "PendingDeletion":
		return &Error{Kind: ErrInvalidKMSResource, KMSCode: "KMSInvalidStateException", Message: key.ARN + " is pending deletion."}
	case key.State != "Enabled":
		return &Error{Kind: ErrInvalidKMSResource, KMSCode: "KMSInvalidStateException", Message: fmt.Sprintf("%s is in state %s.", key.ARN, key.State)}
	}
	return nil
}

// checkKeyQuota enforces the 500-streams-per-key limit within the account
// and region (customer keys cannot be shared across them here).
func (s *Service) checkKeyQuota(ctx context.Context, c Caller, name, keyARN string) error {
	entries, err := s.catalog.List(ctx, accountPrefix(c))
	if err != nil {
		return fmt.Errorf("firehose: count streams per key: %w", err)
	}
	n := 0
	for _, e := range entries {
		st, err := decodeStream(e)
		if err != nil || st.Name == name {
			continue
		}
		enc := st.Encryption
		if (enc.Effective != nil && enc.Effective.ARN == keyARN) || (enc.Pending != nil && enc.Pending.ARN == keyARN) {
			n++
		}
	}
	if n >= MaxStreamsPerKey {
		return newError(ErrLimitExceeded, "The KMS key %s already encrypts %d Firehose streams, the maximum.", keyARN, MaxStreamsPerKey)
	}
	return nil
}

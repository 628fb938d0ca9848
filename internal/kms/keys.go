package kms

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/internal/kv"
)

// CreateKeyInput is the input of CreateKey. Every member is optional.
type CreateKeyInput struct {
	Description           string
	KeyUsage              string
	KeySpec               string
	CustomerMasterKeySpec string // deprecated synonym of KeySpec
	Origin                string
	Policy                string
	Tags                  []Tag
	MultiRegion           bool
	CustomKeyStoreID      string
	XksKeyID              string
	// BypassPolicyLockoutSafetyCheck is accepted and ignored: policies are
	// stored, never evaluated, so no policy can lock anyone out.
	BypassPolicyLockoutSafetyCheck bool
}

// CreateKey creates a key in the caller's region. Only SYMMETRIC_DEFAULT
// keys get key material; the other specs are created for inventory and
// tooling and refuse cryptographic operations.
func (s *Service) CreateKey(ctx context.Context, c Caller, in CreateKeyInput) (KeyMetadata, error) {
	if err := c.validate(); err != nil {
		return KeyMetadata{}, err
	}
	spec, usage, err := keySpecAndUsage(in)
	if err != nil {
		return KeyMetadata{}, err
	}
	switch {
	case in.Origin != "" && in.Origin != OriginAWSKMS:
		return KeyMetadata{}, errorf(CodeUnsupportedOperation, "Origin %s is not supported by this KMS; only AWS_KMS keys can be created.", in.Origin)
	case in.MultiRegion:
		return KeyMetadata{}, errorf(CodeUnsupportedOperation, "Multi-Region keys are not supported by this KMS.")
	case in.CustomKeyStoreID != "" || in.XksKeyID != "":
		return KeyMetadata{}, errorf(CodeUnsupportedOperation, "Custom key stores are not supported by this KMS.")
	}
	policy := in.Policy
	if policy == "" {
		policy = defaultKeyPolicy(s.cfg.Partition, c.AccountID)
	} else if err := checkPolicy(policy); err != nil {
		return KeyMetadata{}, err
	}
	tags, err := mergeTags(nil, in.Tags, s.cfg.MaxTagsPerKey)
	if err != nil {
		return KeyMetadata{}, err
	}
	if err := s.checkKeyQuota(ctx, c); err != nil {
		return KeyMetadata{}, err
	}

	keyID, err := newKeyID()
	if err != nil {
		return KeyMetadata{}, err
	}
	rec := &keyRecord{
		Version:      recordVersion,
		AccountID:    c.AccountID,
		Region:       c.Region,
		KeyID:        keyID,
		Description:  in.Description,
		KeyUsage:     usage,
		KeySpec:      spec,
		Origin:       OriginAWSKMS,
		State:        KeyStateEnabled,
		CreationDate: s.now().UTC(),
		Policy:       policy,
		Tags:         tags,
	}
	if spec == KeySpecSymmetricDefault {
		material := make([]byte, materialSize)
		if _, err := rand.Read(material); err != nil {
			return KeyMetadata{}, fmt.Errorf("kms: generate key material: %w", err)
		}
		rec.MaterialID = s.materialID(keyID, material)
		rec.Material, err = s.wrapMaterial(c, keyID, material)
		clear(material)
		if err != nil {
			return KeyMetadata{}, err
		}
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return KeyMetadata{}, err
	}
	if _, err := s.store.Create(ctx, keyPath(c, keyID), b); err != nil {
		return KeyMetadata{}, storeErr("create key", err)
	}
	return s.metadata(rec), nil
}

// keySpecAndUsage applies CreateKey's defaults and rules to spec and usage.
func keySpecAndUsage(in CreateKeyInput) (spec, usage string, err error) {
	spec = in.KeySpec
	if in.CustomerMasterKeySpec != "" {
		if spec != "" {
			return "", "", validationf("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
		}
		spec = in.CustomerMasterKeySpec
	}
	if spec == "" {
		spec = KeySpecSymmetricDefault
	}
	info, ok := specInfoFor(spec)
	if !ok {
		return "", "", errorf(CodeUnsupportedOperation, "KeySpec %s is not supported.", spec)
	}
	usage = in.KeyUsage
	if usage == "" {
		if spec != KeySpecSymmetricDefault {
			return "", "", validationf("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
		}
		usage = KeyUsageEncryptDecrypt
	}
	if !info.allows(usage) {
		return "", "", validationf("KeyUsage %s is not compatible with KeySpec %s", usage, spec)
	}
	return spec, usage, nil
}

func (s *Service) checkKeyQuota(ctx context.Context, c Caller) error {
	if s.cfg.MaxKeysPerRegion < 0 {
		return nil
	}
	entries, err := s.store.List(ctx, keysPrefix(c))
	if err != nil {
		return storeErr("list keys", err)
	}
	if len(entries) >= s.cfg.MaxKeysPerRegion {
		return errorf(CodeLimitExceeded, "The request was rejected because a quota was exceeded: at most %d keys per account and region.", s.cfg.MaxKeysPerRegion)
	}
	return nil
}

// metadata renders a record as KeyMetadata.
func (s *Service) metadata(r *keyRecord) KeyMetadata {
	info, _ := specInfoFor(r.KeySpec)
	m := KeyMetadata{
		AWSAccountID:          r.AccountID,
		KeyID:                 r.KeyID,
		Arn:                   s.keyARN(r.caller(), r.KeyID),
		CreationDate:          r.CreationDate,
		Enabled:               r.State == KeyStateEnabled,
		Description:           r.Description,
		KeyUsage:              r.KeyUsage,
		KeyState:              r.State,
		Origin:                r.Origin,
		KeyManager:            KeyManagerCustom,
		CustomerMasterKeySpec: r.KeySpec,
		KeySpec:               r.KeySpec,
		CurrentKeyMaterialID:  r.MaterialID,
	}
	if r.State == KeyStatePendingDeletion {
		m.DeletionDate = r.DeletionDate
	}
	switch r.KeyUsage {
	case KeyUsageEncryptDecrypt:
		m.EncryptionAlgorithms = slices.Clone(info.encryption)
	case KeyUsageSignVerify:
		m.SigningAlgorithms = slices.Clone(info.signing)
	case KeyUsageGenerateVerifyMAC:
		m.MacAlgorithms = slices.Clone(info.mac)
	case KeyUsageKeyAgreement:
		m.KeyAgreementAlgorithms = slices.Clone(info.agreement)
	}
	return m
}

// DescribeKey returns a key's metadata. keyID may be a key id, key ARN,
// alias name or alias ARN; it works in every key state.
func (s *Service) DescribeKey(ctx context.Context, c Caller, keyID string) (KeyMetadata, error) {
	ck, err := s.resolve(ctx, c, keyID, true)
	if err != nil {
		return KeyMetadata{}, err
	}
	return s.metadata(ck.rec), nil
}

// ListKeys lists the caller's keys in the region, in every state, ordered
// by key id. Limit defaults to 100 (max 1000).
func (s *Service) ListKeys(ctx context.Context, c Caller, p Page) ([]KeyListEntry, PageResult, error) {
	if err := c.validate(); err != nil {
		return nil, PageResult{}, err
	}
	recs, err := s.liveKeys(ctx, c)
	if err != nil {
		return nil, PageResult{}, err
	}
	out := make([]KeyListEntry, 0, len(recs))
	for _, r := range recs {
		out = append(out, KeyListEntry{KeyID: r.KeyID, KeyArn: s.keyARN(c, r.KeyID)})
	}
	return paginate(out, func(e KeyListEntry) string { return e.KeyID }, "keys", p, 100, 1000)
}

// liveKeys returns every key of the region that is not past its deletion
// date, keyed by key id.
func (s *Service) liveKeys(ctx context.Context, c Caller) (map[string]*keyRecord, error) {
	entries, err := s.store.List(ctx, keysPrefix(c))
	if err != nil {
		return nil, storeErr("list keys", err)
	}
	now := s.now()
	out := make(map[string]*keyRecord, len(entries))
	for _, e := range entries {
		rec, err := decodeRecord[keyRecord](e)
		if err != nil {
			return nil, err
		}
		if !rec.expired(now) {
			out[rec.KeyID] = rec
		}
	}
	return out, nil
}

// EnableKey sets a key to Enabled (a no-op on an enabled key).
func (s *Service) EnableKey(ctx context.Context, c Caller, keyID string) error {
	_, err := s.updateKey(ctx, c, keyID, OpEnableKey, func(r *keyRecord) (bool, error) {
		if r.State == KeyStateEnabled {
			return false, nil
		}
		r.State = KeyStateEnabled
		return true, nil
	})
	return err
}

// DisableKey sets a key to Disabled (a no-op on a disabled key).
func (s *Service) DisableKey(ctx context.Context, c Caller, keyID string) error {
	_, err := s.updateKey(ctx, c, keyID, OpDisableKey, func(r *keyRecord) (bool, error) {
		if r.State == KeyStateDisabled {
			return false, nil
		}
		r.State = KeyStateDisabled
		return true, nil
	})
	return err
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, c Caller, keyID, description string) error {
	_, err := s.updateKey(ctx, c, keyID, OpUpdateKeyDescription, func(r *keyRecord) (bool, error) {
		if r.Description == description {
			return false, nil
		}
		r.Description = description
		return true, nil
	})
	return err
}

// updateKey is the read-modify-write of a key record named by a management
// KeyId (key id or key ARN): it checks op against the key state, lets fn
// change the record (fn reports whether it did) and writes it back with
// compare-and-set, starting over when another writer got there first.
func (s *Service) updateKey(ctx context.Context, c Caller, raw string, op Operation,
	fn func(*keyRecord) (bool, error)) (*keyRecord, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	ref, err := s.parseKeyRef(c, raw, false)
	if err != nil {
		return nil, err
	}
	path := keyPath(c, ref.keyID)
	arn := s.keyARN(c, ref.keyID)
	var out *keyRecord
	err = casLoop(ctx, "update key "+ref.keyID, func() error {
		e, err := s.store.Get(ctx, path)
		if errors.Is(err, kv.ErrNotFound) {
			return keyNotFound(arn)
		}
		if err != nil {
			return storeErr("get key "+ref.keyID, err)
		}
		rec, err := decodeRecord[keyRecord](e)
		if err != nil {
			return err
		}
		if rec.expired(s.now()) {
			_ = s.purgeKey(ctx, c, ref.keyID, s.now())
			return keyNotFound(arn)
		}
		if err := checkState(op, rec.State, arn); err != nil {
			return err
		}
		changed, err := fn(rec)
		if err != nil {
			return err
		}
		out = rec
		if !changed {
			return nil
		}
		b, err := encodeRecord(rec)
		if err != nil {
			return err
		}
		_, err = s.store.Update(ctx, path, b, e.Revision)
		switch {
		case errors.Is(err, kv.ErrNotFound):
			return keyNotFound(arn)
		case errors.Is(err, kv.ErrConflict):
			return err
		case err != nil:
			return storeErr("update key "+ref.keyID, err)
		}
		s.evict(path)
		return nil
	})
	return out, err
}

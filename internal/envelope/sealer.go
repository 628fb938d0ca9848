package envelope

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/records"
)

// EncryptionContextKey names the stream in every data key's encryption
// context, so a data key of one stream cannot open another's records.
const EncryptionContextKey = "aws:firehose:arn"

// grantRevokedMessage is the text AWS answers puts with when a stream's
// customer key cannot be used (spec §1.7, observed).
const grantRevokedMessage = "The grant for the CMK to this delivery stream might have been revoked or caller might not have sufficient permissions for the CMK."

// Config bounds how long and how much one data key is used.
type Config struct {
	MaxKeyAge     time.Duration // default 5 minutes
	MaxKeyBytes   int64         // default 1 GiB
	MaxKeySeals   uint64        // default 1<<20 messages, far below GCM's 2^32 random-nonce bound
	CheckInterval time.Duration // how often a customer key's grant is re-checked; default 1 s
	Now           func() time.Time
}

// Sealer implements ingest.Encoder and the delivery side's opening.
type Sealer struct {
	cfg     Config
	kms     firehose.KMS
	metrics *metrics.Metrics

	mu      sync.Mutex
	current map[string]*dataKey // stream UID + key ARN -> key sealing new groups
	checks  map[string]check    // key ARN + grant -> last usability check
	opened  openedKeys
}

type dataKey struct {
	key     *records.DataKey
	created time.Time
	// bytes is added to by every sealing call and read by the next one to
	// decide on rotation, without holding the Sealer's lock.
	bytes atomic.Int64
}

type check struct {
	at  time.Time
	err error
}

// New builds a Sealer.
func New(cfg Config, kms firehose.KMS, m *metrics.Metrics) *Sealer {
	if cfg.MaxKeyAge <= 0 {
		cfg.MaxKeyAge = 5 * time.Minute
	}
	if cfg.MaxKeyBytes <= 0 {
		cfg.MaxKeyBytes = 1 << 30
	}
	if cfg.MaxKeySeals == 0 {
		cfg.MaxKeySeals = 1 << 20
	}
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sealer{cfg: cfg, kms: kms, metrics: m,
		current: make(map[string]*dataKey), checks: make(map[string]check), opened: newOpenedKeys(4096)}
}

// Encode stores groups sealed when the stream's encryption is in effect,
// in plaintext otherwise, and says which it did.
func (s *Sealer) Encode(ctx context.Context, ds *firehose.DeliveryStream, dst []byte, groups []records.Group) ([]byte, bool, error) {
	key := ds.Encryption.Effective
	if key == nil {
		return records.Append(dst, groups...), false, nil
	}
	if key.Type == fm.KeyTypeCustomerManagedCmk {
		if err := s.checkKey(ctx, key); err != nil {
			s.countFailure(ds.ARN, err, groups)
			return nil, false, putError(err)
		}
	}
	dk, err := s.sealingKey(ctx, ds, key)
	if err != nil {
		s.countFailure(ds.ARN, err, groups)
		return nil, false, putError(err)
	}
	out, err := records.AppendSealed(dst, dk.key, []byte(ds.ARN), groups...)
	if err != nil {
		return nil, false, fmt.Errorf("envelope: seal: %w", err)
	}
	dk.bytes.Add(int64(len(out)))
	return out, true, nil
}

// sealingKey returns the current data key of a stream and key, making a
// new one when there is none or the current one is old, large or worn.
func (s *Sealer) sealingKey(ctx context.Context, ds *firehose.DeliveryStream, key *firehose.SSEKey) (*dataKey, error) {
	id := ds.UID + "|" + key.ARN
	now := s.cfg.Now()
	s.mu.Lock()
	dk := s.current[id]
	s.mu.Unlock()
	if dk != nil && now.Sub(dk.created) < s.cfg.MaxKeyAge && dk.bytes.Load() < s.cfg.MaxKeyBytes && dk.key.Seals() < s.cfg.MaxKeySeals {
		return dk, nil
	}
	plain, encrypted, err := s.kms.GenerateDataKey(ctx, key.Owner, key.ARN, map[string]string{EncryptionContextKey: ds.ARN})
	if err != nil {
		return nil, err
	}
	rk, err := records.NewDataKey(key.ARN, encrypted, plain)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("envelope: data key: %w", err)
	}
	dk = &dataKey{key: rk, created: now}
	s.mu.Lock()
	// Keys past their age are never used again (the stream was deleted or
	// changed key): do not keep them in memory.
	for k, old := range s.current {
		if now.Sub(old.created) >= s.cfg.MaxKeyAge {
			delete(s.current, k)
		}
	}
	s.current[id] = dk
	s.mu.Unlock()
	// Delivery of what this node stores will need the same key: remember
	// it so opening does not have to ask KMS.
	s.opened.put(encrypted, rk)
	return dk, nil
}

// checkKey re-checks, at most every CheckInterval, that a customer key is
// enabled and Firehose's grant on it still exists.
func (s *Sealer) checkKey(ctx context.Context, key *firehose.SSEKey) error {
	id := key.ARN + "|" + key.GrantID
	now := s.cfg.Now()
	s.mu.Lock()
	c, ok := s.checks[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.cfg.CheckInterval {
		return c.err
	}
	err := s.kms.CheckGrant(ctx, key.Owner, key.ARN, key.GrantID)
	var kerr *firehose.KMSError
	if err != nil && !errors.As(err, &kerr) {
		return err // KMS unreachable: do not cache, try again next call
	}
	s.mu.Lock()
	if len(s.checks) > 10_000 {
		clear(s.checks)
	}
	s.checks[id] = check{at: now, err: err}
	if err != nil {
		// A key that fails its check must not keep sealing with a cached
		// data key either.
		for k, dk := range s.current {
			if dk.key.KeyID() == key.ARN {
				delete(s.current, k)
			}
		}
	}
	s.mu.Unlock()
	return err
}

// putError is what PutRecord(Batch) answer when the stream's key cannot be
// used: InvalidKMSResourceException with the KMS code.
func putError(err error) error {
	var kerr *firehose.KMSError
	if errors.As(err, &kerr) {
		return &firehose.Error{Kind: firehose.ErrInvalidKMSResource, Message: grantRevokedMessage, KMSCode: kerr.Code}
	}
	return fmt.Errorf("envelope: kms: %w", err)
}

// countFailure counts records refused because of their key in the
// CloudWatch-named metrics.
func (s *Sealer) countFailure(stream string, err error, groups []records.Group) {
	n := 0
	for _, g := range groups {
		n += len(g.Records)
	}
	s.metrics.CountKMSFailure(stream, firehose.KMSCode(err), n)
}

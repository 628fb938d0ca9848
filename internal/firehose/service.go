package firehose

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

// RecordLog is the part of the record store the control plane needs: the
// records of a deleted stream are dropped with it, and an old encryption
// key's grant is retired only once the records sealed under it are gone.
type RecordLog interface {
	PurgeRecords(ctx context.Context, streamUID string) error
	// LastSequence is the sequence of the stream's last stored record
	// group (0 if none was ever stored).
	LastSequence(ctx context.Context, streamUID string) (uint64, error)
	// FirstSequence is the sequence of the stream's oldest record group
	// still waiting for delivery; ok is false when none waits.
	FirstSequence(ctx context.Context, streamUID string) (seq uint64, ok bool, err error)
}

// Config tunes the control plane.
type Config struct {
	// CreateDelay is how long a new stream stays CREATING.
	CreateDelay time.Duration
	// DeleteDelay is how long a deleted stream stays DELETING before it is
	// removed.
	DeleteDelay time.Duration
	// MaxStreams is the per-account, per-region stream quota.
	MaxStreams int
	// LookupTTL is how long the data path may use a cached copy of a stream
	// (its status, encryption state) before reading the catalog again. AWS
	// itself documents a lag of up to 5 seconds for SSE changes.
	LookupTTL time.Duration
	// EncryptionDelay is how long ENABLING and DISABLING last before the
	// controller acts.
	EncryptionDelay time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnDeleted, if set, is called with a stream's ARN once this node has
	// removed the stream from the catalog (its per-stream metrics go then).
	OnDeleted func(arn string)
}

// Service implements the delivery-stream operations of Firehose.
type Service struct {
	cfg     Config
	log     *slog.Logger
	catalog kv.Store
	records RecordLog
	kms     KMS
	cache   *streamCache
	ctl     *controller
}

// NewService builds the service. Call Run to start the lifecycle controller.
func NewService(cfg Config, log *slog.Logger, catalog kv.Store, records RecordLog) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 5000
	}
	if cfg.LookupTTL <= 0 {
		cfg.LookupTTL = time.Second
	}
	s := &Service{cfg: cfg, log: log, catalog: catalog, records: records, cache: newStreamCache()}
	s.ctl = newController(s)
	return s
}

// UseKMS connects server-side encryption to a KMS. Without one,
// StartDeliveryStreamEncryption is refused.
func (s *Service) UseKMS(k KMS) { s.kms = k }

// Run drives lifecycle transitions until ctx ends.
func (s *Service) Run(ctx context.Context) { s.ctl.run(ctx) }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Lookup returns a stream for the data path, from a short-lived cache.
// The copy it returns must not be modified.
func (s *Service) Lookup(ctx context.Context, c Caller, name string) (*DeliveryStream, error) {
	key := streamKey(c, name)
	now := s.now()
	if ds, ok := s.cache.get(key, now); ok {
		return ds, nil
	}
	st, err := s.load(ctx, c, name)
	if err != nil {
		return nil, err
	}
	// Only ACTIVE streams are cached: a producer waiting for a new stream
	// must see it the moment it turns ACTIVE, not a second later.
	if st.Status == StatusActive {
		s.cache.put(key, &st.DeliveryStream, now.Add(s.cfg.LookupTTL))
	}
	return &st.DeliveryStream, nil
}

// streamCache holds recently read streams for the data path.
type streamCache struct {
	mu      sync.RWMutex
	entries map[string]cachedStream
}

type cachedStream struct {
	ds      *DeliveryStream
	expires time.Time
}

func newStreamCache() *streamCache { return &streamCache{entries: make(map[string]cachedStream)} }

func (c *streamCache) get(key string, now time.Time) (*DeliveryStream, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return e.ds, true
}

func (c *streamCache) put(key string, ds *DeliveryStream, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 100_000 { // bound memory; entries are cheap to reload
		clear(c.entries)
	}
	c.entries[key] = cachedStream{ds: ds, expires: expires}
}

func (c *streamCache) forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// newUID returns a random identifier for a stream's records.
func newUID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

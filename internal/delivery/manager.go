package delivery

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
	"github.com/sluicehq/sluice/internal/metrics"
)

// Config tunes delivery.
type Config struct {
	// NodeID names this node in delivery leases (LoadNodeID).
	NodeID string
	// PollInterval is how often the catalog is scanned for streams that
	// appeared, changed or went away. Default 1 s.
	PollInterval time.Duration
	// LeaseTTL is how long a silent node keeps a stream's lease. Default 15 s.
	LeaseTTL time.Duration
	// RetryInitial and RetryMax bound the exponential back-off between
	// attempts of a failed write. Defaults 500 ms and 10 s.
	RetryInitial time.Duration
	RetryMax     time.Duration
	// ZeroBufferLinger is how long a stream with IntervalInSeconds 0 waits
	// after a batch's first record for more. Default 500 ms, so zero
	// buffering delivers "within a second or two".
	ZeroBufferLinger time.Duration
	// IdleWait bounds a wait for records, so configuration changes are
	// seen promptly on an idle stream. Default 1 s.
	IdleWait time.Duration
	// RecordMaxAge is the record log's retention (--record-max-age): a
	// batch still failing when its oldest record is older goes to the
	// error output. Default 24 h.
	RecordMaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, time.Second)
	def(&c.LeaseTTL, 15*time.Second)
	def(&c.RetryInitial, 500*time.Millisecond)
	def(&c.RetryMax, 10*time.Second)
	def(&c.ZeroBufferLinger, 500*time.Millisecond)
	def(&c.IdleWait, time.Second)
	def(&c.RecordMaxAge, 24*time.Hour)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NodeID == "" {
		c.NodeID = "local"
	}
}

// Deps are the services delivery uses.
type Deps struct {
	Streams Streams
	Records RecordLog
	// Objects is where S3 destinations write: an S3 endpoint, or the
	// built-in bucket store.
	Objects destination.ObjectStore
	// Leases is the delivery bucket of the catalog.
	Leases  kv.Store
	Metrics *metrics.Metrics
	// Decrypter opens sealed messages; nil refuses them (the stream waits).
	Decrypter Decrypter
	Log       *slog.Logger
}

// Manager runs the runners of every deliverable stream.
type Manager struct {
	cfg       Config
	log       *slog.Logger
	streams   Streams
	records   RecordLog
	objects   destination.ObjectStore
	leases    *leases
	metrics   *metrics.Metrics
	decrypter Decrypter

	// Owned by Run's goroutine.
	runners  map[string]*runner
	stopping map[string]*runner
	told     map[string]string // uid → destination kind already reported as not deliverable
	wg       sync.WaitGroup
}

// NewManager builds a Manager; Run starts it.
func NewManager(cfg Config, deps Deps) *Manager {
	cfg.defaults()
	return &Manager{
		cfg:       cfg,
		log:       deps.Log,
		streams:   deps.Streams,
		records:   deps.Records,
		objects:   deps.Objects,
		leases:    &leases{kv: deps.Leases, node: cfg.NodeID, ttl: cfg.LeaseTTL, now: cfg.Now},
		metrics:   deps.Metrics,
		decrypter: deps.Decrypter,
		runners:   make(map[string]*runner),
		stopping:  make(map[string]*runner),
		told:      make(map[string]string),
	}
}

func (m *Manager) now() time.Time { return m.cfg.Now() }

// backoff is the wait before attempt+1 of a failed step.
func (m *Manager) backoff(attempt int) time.Duration {
	d := m.cfg.RetryInitial
	for i := 1; i < attempt && d < m.cfg.RetryMax; i++ {
		d *= 2
	}
	return jitter(min(d, m.cfg.RetryMax))
}

// Run scans the catalog until ctx ends, then stops every runner and waits
// for them (so storage can close after it returns).
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	for {
		m.sync(ctx)
		select {
		case <-ctx.Done():
			for _, r := range m.runners {
				r.cancel()
			}
			m.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// deliverable reports whether this build delivers a stream, and if not,
// the destination kind to report.
func deliverable(ds *firehose.DeliveryStream) (bool, string) {
	if ds.Status != firehose.StatusActive || ds.Type != fm.DeliveryStreamTypeDirectPut {
		return false, ""
	}
	if _, ok := destinationS3(ds.Destination); ok {
		return true, ""
	}
	return false, ds.Destination.Kind()
}

// sync starts runners for new deliverable streams, hands changed
// configurations to running ones, and stops those whose stream went away.
func (m *Manager) sync(ctx context.Context) {
	all, err := m.streams.All(ctx)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("delivery: cannot list delivery streams", "err", err)
		}
		return
	}
	now := m.now()
	present := make(map[string]bool, len(all))
	wanted := make(map[string]bool, len(all))
	for _, ds := range all {
		present[ds.UID] = true
		ok, kind := deliverable(ds)
		if !ok {
			if kind != "" && ds.Status == firehose.StatusActive && m.told[ds.UID] != kind {
				m.log.Warn("delivery to this destination is not implemented yet; records stay stored",
					"stream", ds.ARN, "destination", kind)
				m.told[ds.UID] = kind
			}
			continue
		}
		delete(m.told, ds.UID)
		wanted[ds.UID] = true
		r := m.runners[ds.UID]
		if r != nil && r.finished() {
			delete(m.runners, ds.UID) // lease lost: start over, waiting for it
			r = nil
		}
		if r == nil {
			if old := m.stopping[ds.UID]; old != nil {
				if !old.finished() {
					continue // the previous runner is still winding down
				}
				delete(m.stopping, ds.UID)
			}
			r = m.start(ctx, ds)
		}
		r.stream.Store(ds)
		m.metrics.DeliveryToS3DataFreshness.WithLabelValues(ds.ARN).Set(r.freshness(now).Seconds())
	}
	for uid, r := range m.runners {
		if wanted[uid] {
			continue
		}
		r.cancel()
		delete(m.runners, uid)
		m.stopping[uid] = r
		if !present[uid] {
			m.forget(r)
		}
	}
	for uid, r := range m.stopping {
		if r.finished() && !wanted[uid] {
			delete(m.stopping, uid)
		}
	}
	for uid := range m.told {
		if !present[uid] {
			delete(m.told, uid)
		}
	}
}

func (m *Manager) start(ctx context.Context, ds *firehose.DeliveryStream) *runner {
	r := newRunner(m, ds)
	rctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	m.runners[ds.UID] = r
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer cancel()
		r.run(rctx)
	}()
	return r
}

// forget removes the consumer of a deleted stream once its runner is done.
func (m *Manager) forget(r *runner) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		<-r.done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.records.DeleteConsumer(ctx, r.uid); err != nil {
			m.log.Warn("delivery: cannot remove the consumer of a deleted stream", "stream", r.stream.Load().ARN, "err", err)
		}
	}()
}

package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
)

// A runner delivers one stream. Three goroutines share the work, joined by
// unbuffered channels:
//
//   - the accumulator reads stored messages in order, opens them and cuts
//     batches (batcher);
//   - the encoder names each batch's object and compresses it;
//   - the writer takes the objects one at a time, in order, writes each
//     with retries and acknowledges its messages before the next.
//
// So the next batch fills and compresses while the previous one uploads,
// and everything upstream stops (memory stays bounded) while the
// destination is down. Because only one batch is ever written and not yet
// acknowledged, a crash can only leave that one batch to be redone, and it
// is rebuilt from the same first message under the same key.
type runner struct {
	m      *Manager
	uid    string
	log    *slog.Logger
	stream atomic.Pointer[firehose.DeliveryStream]

	cancel context.CancelFunc
	done   chan struct{}

	// Freshness: the arrival (Unix ms) of the oldest record of the open
	// batch, and of each batch handed to the deliverer and not yet
	// acknowledged, oldest first.
	openOldest atomic.Int64
	mu         sync.Mutex
	inflight   []int64

	// Accumulator only.
	plan      *plan
	planErrAt int64 // version whose plan error was last logged
	// Encoder goroutine only.
	random seededReader
	enc    encoder
	// Writer goroutine only.
	errEnc encoder
}

func newRunner(m *Manager, ds *firehose.DeliveryStream) *runner {
	r := &runner{m: m, uid: ds.UID, done: make(chan struct{}), planErrAt: -1,
		log: m.log.With("stream", ds.ARN)}
	r.stream.Store(ds)
	return r
}

// finished reports whether the runner has stopped (lease lost, stopped).
func (r *runner) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// run delivers until ctx ends or the lease is lost.
func (r *runner) run(ctx context.Context) {
	defer close(r.done)
	rev, ok := r.takeLease(ctx)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var renewed sync.WaitGroup
	renewed.Add(1)
	go func() {
		defer renewed.Done()
		rev = r.keepLease(ctx, cancel, rev)
	}()
	defer func() {
		cancel()
		renewed.Wait()
		if rev != 0 {
			// A fresh context: ours is canceled by now.
			rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
			r.m.leases.release(rctx, r.uid, rev)
			rcancel()
		}
	}()
	r.log.Info("delivery started", "node", r.m.leases.node)
	failures := 0
	for ctx.Err() == nil {
		err := r.session(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		failures++
		wait := r.m.backoff(failures)
		r.log.Warn("delivery interrupted; resuming from the first unacknowledged record", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// takeLease waits until this node holds the stream's lease.
func (r *runner) takeLease(ctx context.Context) (uint64, bool) {
	logged := false
	for {
		rev, ok, err := r.m.leases.acquire(ctx, r.uid)
		if ok {
			return rev, true
		}
		if err != nil && ctx.Err() == nil {
			r.log.Warn("cannot take the delivery lease", "err", err)
		} else if err == nil && !logged {
			r.log.Info("another node delivers this stream; waiting for its lease")
			logged = true
		}
		if !sleep(ctx, r.m.cfg.LeaseTTL/3) {
			return 0, false
		}
	}
}

// keepLease renews the lease until ctx ends; losing it stops the runner.
// It returns the last revision held (0 when lost).
func (r *runner) keepLease(ctx context.Context, stop context.CancelFunc, rev uint64) uint64 {
	t := time.NewTicker(r.m.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return rev
		case <-t.C:
		}
		next, err := r.m.leases.renew(ctx, r.uid, rev)
		switch {
		case errors.Is(err, errLeaseLost):
			r.log.Error("delivery lease lost to another node; stopping this runner")
			stop()
			return 0
		case err != nil:
			if ctx.Err() == nil {
				r.log.Warn("cannot renew the delivery lease", "err", err)
			}
		default:
			rev = next
		}
	}
}

// session opens the consumer (at the first unacknowledged message) and runs
// the accumulator and the deliverer until ctx ends or either fails.
func (r *runner) session(ctx context.Context) error {
	cons, err := r.m.records.OpenConsumer(ctx, r.uid)
	if err != nil {
		return err
	}
	defer cons.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Unbuffered: at most three batches are held (one filling, one
	// encoded and waiting, one being written), which bounds memory at
	// about three times the buffering size.
	handoff := make(chan *batch)
	encoded := make(chan *prepared)
	free := make(chan *bytes.Buffer, bodyBuffers)
	for range bodyBuffers {
		free <- new(bytes.Buffer)
	}
	r.resetFreshness()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := r.encodeLoop(ctx, handoff, encoded, free); err != nil {
			cancel(err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := r.writeLoop(ctx, cons, encoded, free); err != nil {
			cancel(err)
		}
	}()
	err = r.accumulate(ctx, cons, handoff)
	cancel(err)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// accumulate reads messages and hands complete batches to the deliverer.
func (r *runner) accumulate(ctx context.Context, cons Consumer, handoff chan<- *batch) error {
	b := batcher{linger: r.m.cfg.ZeroBufferLinger}
	var lastTaken, lastDelivery uint64
	send := func(done *batch) bool {
		r.mu.Lock()
		r.inflight = append(r.inflight, done.oldestMS)
		r.mu.Unlock()
		r.openOldest.Store(b.oldestMS())
		select {
		case handoff <- done:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		ds := r.stream.Load()
		p, ok := r.planFor(ctx, ds)
		if !ok {
			return nil
		}
		if b.cur != nil && b.cur.plan.version != p.version {
			// UpdateDestination: the open batch goes out now, under its
			// own version, and the next one follows the new settings.
			if !send(b.due(r.m.now(), p.version)) {
				return nil
			}
			continue
		}
		wait := max(b.wait(r.m.now(), r.m.cfg.IdleWait), minWait)
		msg, ok, err := cons.Next(ctx, wait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read stored records: %w", err)
		}
		if !ok {
			// Nothing is waiting: the open batch can go once its time is up.
			if due := b.due(r.m.now(), p.version); due != nil && !send(due) {
				return nil
			}
			continue
		}
		if msg.Delivery != 0 {
			if lastDelivery != 0 && msg.Delivery != lastDelivery+1 {
				// A delivery never reached us, so a stored message may
				// have been skipped: acknowledging a later batch would
				// remove it unread. Start over from the first
				// unacknowledged message instead.
				return fmt.Errorf("%w: delivery %d after %d", errDeliveryLost, msg.Delivery, lastDelivery)
			}
			lastDelivery = msg.Delivery
		}
		if msg.Seq <= lastTaken {
			continue // a message handed out again: it is already in a batch
		}
		// The configuration may have changed while we waited: the message
		// goes under the newest one.
		if ds = r.stream.Load(); ds.VersionID != p.version {
			if p, ok = r.planFor(ctx, ds); !ok {
				return nil
			}
		}
		pt, ok := r.open(ctx, ds, msg, &b, send)
		if !ok {
			return nil
		}
		lastTaken = msg.Seq
		for _, done := range b.add(p, pt) {
			if !send(done) {
				return nil
			}
		}
		r.openOldest.Store(b.oldestMS())
	}
}

// errDeliveryLost ends a session whose consumer lost a delivery.
var errDeliveryLost = errors.New("delivery: a stored message was lost between the record log and the runner")

// minWait keeps a runner catching up from cutting a batch every time the
// prefetch buffer is briefly empty.
const minWait = 2 * time.Millisecond

// planFor returns the plan of the stream's current version, building it
// when the version changes. A configuration that cannot be delivered
// (a malformed BucketARN or time zone) pauses the stream: its records stay
// stored until an UpdateDestination fixes it.
func (r *runner) planFor(ctx context.Context, ds *firehose.DeliveryStream) (*plan, bool) {
	for attempt := 1; ; attempt++ {
		if r.plan != nil && r.plan.version == ds.VersionID {
			return r.plan, true
		}
		p, err := newPlan(ds, &r.random)
		if err == nil {
			if len(p.unsupported) > 0 {
				r.log.Warn("configured features are not applied by this version of Sluice; records are delivered without them",
					"version", p.version, "features", p.unsupported)
			}
			r.plan = p
			return p, true
		}
		if r.planErrAt != ds.VersionID {
			r.log.Error("cannot deliver this configuration; records stay stored until it is fixed", "version", ds.VersionID, "err", err)
			r.planErrAt = ds.VersionID
		}
		if !sleep(ctx, r.m.backoff(attempt)) {
			return nil, false
		}
		ds = r.stream.Load()
	}
}

// open parses a stored message (decrypting a sealed one), retrying while
// its key is unavailable. A corrupt message, which JetStream's own checks
// make all but impossible, is logged and skipped: it holds nothing that
// could be delivered.
func (r *runner) open(ctx context.Context, ds *firehose.DeliveryStream, msg Message, b *batcher, send func(*batch) bool) (part, bool) {
	for attempt := 1; ; attempt++ {
		pt, err := r.parse(ctx, ds, msg)
		if err == nil {
			return pt, true
		}
		if errors.Is(err, records.ErrCorrupt) || errors.Is(err, records.ErrVersion) {
			r.log.Error("skipping a corrupt stored message", "seq", msg.Seq, "err", err)
			return part{seq: msg.Seq, oldestMS: r.m.now().UnixMilli()}, true
		}
		if r.expiredForKey(ds, msg, err) {
			return part{seq: msg.Seq, oldestMS: r.m.now().UnixMilli()}, true
		}
		wait := r.m.backoff(attempt)
		r.log.Warn("cannot open stored records; retrying", "seq", msg.Seq, "attempt", attempt, "err", err, "retry_in", wait)
		// Batches already complete must not wait for this message's key.
		if due := b.due(r.m.now(), ds.VersionID); due != nil && !send(due) {
			return part{}, false
		}
		if !sleep(ctx, wait) {
			return part{}, false
		}
	}
}

// expiredForKey reports whether msg, which cannot be opened because its KMS
// key is unusable, has waited past the retention limit. AWS waits up to
// 24 hours for the key to come back, then drops the records and counts
// them in the KMSKey* metrics; so does Sluice, once per message.
func (r *runner) expiredForKey(ds *firehose.DeliveryStream, msg Message, err error) bool {
	if !errors.Is(err, envelope.ErrKeyUnavailable) {
		return false
	}
	m, perr := records.Parse(msg.Data)
	if perr != nil {
		return false
	}
	oldest := int64(-1)
	for arrival := range m.Groups() {
		if oldest < 0 || arrival < oldest {
			oldest = arrival
		}
	}
	if oldest < 0 || r.m.now().Sub(time.UnixMilli(oldest)) < r.m.cfg.RecordMaxAge {
		return false
	}
	r.log.Error("dropping stored records whose KMS key stayed unusable past the retention limit",
		"seq", msg.Seq, "records", m.Count(), "err", err)
	r.m.metrics.CountKMSFailure(ds.ARN, firehose.KMSCode(err), m.Count())
	return true
}

func (r *runner) parse(ctx context.Context, ds *firehose.DeliveryStream, msg Message) (part, error) {
	m, err := records.Parse(msg.Data)
	if err != nil {
		return part{}, err
	}
	var rd records.Reader
	if m.Sealed() {
		if r.m.decrypter == nil {
			return part{}, errors.New("delivery: the stream's records are encrypted and no decrypter is configured")
		}
		rd, _, err = r.m.decrypter.Open(ctx, ds, &m, nil)
	} else {
		rd, err = m.Records()
	}
	if err != nil {
		return part{}, err
	}
	pt := part{seq: msg.Seq, recs: rd, count: m.Count(), oldestMS: -1}
	for arrival := range m.Groups() {
		if pt.oldestMS < 0 || arrival < pt.oldestMS {
			pt.oldestMS = arrival
		}
	}
	if pt.oldestMS < 0 {
		pt.oldestMS = r.m.now().UnixMilli()
	}
	it := rd // a copy: the batch iterates the original later
	for it.Next() {
		pt.bytes += len(it.Data())
	}
	return pt, nil
}

// resetFreshness forgets batches of an ended session.
func (r *runner) resetFreshness() {
	r.mu.Lock()
	r.inflight = r.inflight[:0]
	r.mu.Unlock()
	r.openOldest.Store(0)
}

// delivered drops the oldest in-flight batch from the freshness record.
func (r *runner) delivered() {
	r.mu.Lock()
	if len(r.inflight) > 0 {
		r.inflight = r.inflight[1:]
	}
	r.mu.Unlock()
}

// freshness is the age of the oldest record not yet delivered (0: none).
func (r *runner) freshness(now time.Time) time.Duration {
	oldest := r.openOldest.Load()
	r.mu.Lock()
	if len(r.inflight) > 0 && (oldest == 0 || r.inflight[0] < oldest) {
		oldest = r.inflight[0]
	}
	r.mu.Unlock()
	if oldest == 0 {
		return 0
	}
	return max(now.Sub(time.UnixMilli(oldest)), 0)
}

// sleep waits d, or less if ctx ends (then it returns false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// jitter spreads retries of many streams over ±20% of d.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

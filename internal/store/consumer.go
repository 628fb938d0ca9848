package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Delivery consumers. Each delivery stream has one durable pull consumer on
// the record log, filtered to the stream's record subject, with explicit
// acknowledgement (a work-queue stream allows nothing else). A stored
// message is removed from the log once it is acknowledged, and the delivery
// runner acknowledges only after the object holding its records is written.
//
// The consumer runs in one of two modes (recent.go says why). Caught up,
// it is headers-only and each payload comes from memory, where this
// process put it when storing it. Behind (a backlog after a restart,
// groups another node stored, a destination that held delivery up), it
// carries payloads as JetStream reads them. It switches to carrying
// payloads at the first group not found in memory, and back once
// recentCaughtUp groups in a row were also in memory. A switch re-creates
// the JetStream consumer, which is safe because nothing is acknowledged
// through it (see AckThrough). A work queue only allows consumers that
// start at its first message, so after a switch JetStream hands out again
// the messages read and not yet acknowledged; the Consumer passes over
// them itself, keeping DeliverySeq gapless unless JetStream's own
// numbering has a gap.
//
// Two properties matter to the runner and shape this API:
//
//   - Order. JetStream redelivers a message whose ack deadline passed after
//     newer ones, so a consumer left over from a previous process (with
//     messages delivered but never acknowledged) would hand them out of
//     order. OpenConsumer therefore resets the consumer: it starts again at
//     the first message still stored, which is exactly the first record not
//     yet delivered.
//   - Atomic batch acknowledgement. Acknowledging a batch message by message
//     can stop half way (crash, lost connection) and leave the first half
//     gone and the second half due again, so the next object would start in
//     the middle of the previous one. AckThrough removes every stored
//     message of the stream up to a sequence in one purge: all or nothing.

// ConsumerConfig tunes a delivery consumer.
type ConsumerConfig struct {
	// AckWait is how long a delivered message may stay unacknowledged
	// before JetStream offers it again. The runner holds messages while it
	// buffers (up to 900 s) and retries puts, so it extends the deadline
	// with InProgress; AckWait only bounds how long a silent owner keeps
	// them. Default 5 minutes.
	AckWait time.Duration
	// MaxAckPending bounds the messages delivered and not yet acknowledged.
	// When it is reached JetStream delivers nothing more until some are
	// acknowledged, which bounds the runner's memory. Default 100,000.
	MaxAckPending int
	// Prefetch is how many messages (default 256), and PrefetchBytes how
	// many bytes (default and minimum 2 × MaxMessageBytes, so any message
	// fits), one pull asks for ahead of use.
	Prefetch      int
	PrefetchBytes int
}

func (c *ConsumerConfig) defaults() {
	if c.AckWait <= 0 {
		c.AckWait = 5 * time.Minute
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = 100_000
	}
	if c.Prefetch <= 0 {
		c.Prefetch = 256
	}
	if c.PrefetchBytes < 2*MaxMessageBytes {
		c.PrefetchBytes = 2 * MaxMessageBytes
	}
}

// fetchExpiry bounds one pull request. Under 10 s the client asks for no
// idle heartbeats, which a reader that pauses (the runner waiting for a
// slow upload) could miss and take for a dead connection.
const fetchExpiry = 5 * time.Second

// ConsumerName is the durable consumer of a delivery stream's records.
func ConsumerName(streamUID string) string { return "deliver-" + streamUID }

// Consumer reads one delivery stream's stored record groups in order.
// It is used by one goroutine at a time.
//
// It pulls with bounded one-shot fetches rather than the client's
// continuous iterator: a fetch asks for a fixed number of messages and
// bytes into a buffer that holds them all, so a reader that stops for a
// while (its destination is down) can never make the client drop
// deliveries. (The iterator's buffer is shared with idle heartbeats; when
// a paused reader lets it fill, missed heartbeats trigger more pulls and
// the client drops messages as a "slow consumer".)
type Consumer struct {
	store *Store
	uid   string
	cfg   ConsumerConfig
	cons  jetstream.Consumer
	// The fetch being read, if any.
	msgs        <-chan jetstream.Msg
	batch       jetstream.MessageBatch
	cancelFetch context.CancelFunc

	headersOnly  bool
	lastSeq      uint64 // the newest stream sequence handed out
	lastDelivery uint64 // DeliverySeq of the last message handed out
	lastConsSeq  uint64 // the JetStream consumer's number of the last message received
	lost         uint64 // deliveries JetStream numbered and never sent, not yet reported
	inMemory     int    // carrying payloads: groups in a row also in memory
	closed       bool
}

// recentCaughtUp is how many groups in a row must be in memory before a
// consumer carrying payloads goes back to headers-only. More than one, so
// that a consumer at the edge of the memory bound does not switch back
// and forth on every group.
const recentCaughtUp = 8

// StoredMessage is one stored record group handed out by a Consumer.
type StoredMessage struct {
	// Sequence is the message's sequence in the record log. It grows with
	// every message of every stream, so it identifies the message but is
	// not dense within one stream.
	Sequence uint64
	// Delivered counts how many times JetStream handed the message out.
	Delivered uint64
	// DeliverySeq numbers the consumer's deliveries, redeliveries
	// included, from 1 after OpenConsumer. JetStream sends them in order,
	// so a gap means the client lost a delivery (a slow-consumer drop):
	// the reader must not acknowledge past it.
	DeliverySeq uint64
	// Stored is when JetStream stored the message.
	Stored time.Time
	// Data is the message (a records message). It is not shared with any
	// other message and stays valid after acknowledgement.
	Data []byte

	msg jetstream.Msg
}

// OpenConsumer opens the delivery consumer of a stream, reset to start at
// its first stored message (see the notes above). Only one process may
// deliver a stream at a time; the caller makes sure of that (the delivery
// runner holds a lease), since a reset under another reader would make it
// see messages twice.
func (s *Store) OpenConsumer(ctx context.Context, streamUID string, cfg ConsumerConfig) (*Consumer, error) {
	cfg.defaults()
	c := &Consumer{store: s, uid: streamUID, cfg: cfg}
	if err := c.recreate(ctx, true); err != nil {
		return nil, err
	}
	s.recent.reading(streamUID, 1)
	return c, nil
}

// recreate replaces the JetStream consumer with one in the given mode,
// starting at the first message stored.
func (c *Consumer) recreate(ctx context.Context, headersOnly bool) error {
	c.endFetch()
	name := ConsumerName(c.uid)
	if err := c.store.records.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("store: reset consumer %s: %w", name, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "Sluice delivery of stream " + c.uid,
		FilterSubject: RecordSubject(c.uid),
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxAckPending: c.cfg.MaxAckPending,
		// Redelivery only happens when an owner went silent past AckWait;
		// there is no reason to ever give up on a record.
		MaxDeliver:  -1,
		Replicas:    c.store.cfg.Replicas,
		HeadersOnly: headersOnly,
	}
	cons, err := c.store.records.CreateConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: create consumer %s: %w", name, err)
	}
	c.cons, c.headersOnly, c.inMemory = cons, headersOnly, 0
	c.lastConsSeq = 0 // the new consumer numbers from 1 again
	return nil
}

// Next returns the next stored message, waiting at most maxWait (and not
// past ctx). It returns (nil, nil) when nothing arrived in time.
func (c *Consumer) Next(ctx context.Context, maxWait time.Duration) (*StoredMessage, error) {
	if maxWait <= 0 {
		maxWait = time.Millisecond
	}
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	for {
		if c.msgs == nil {
			if err := c.fetch(ctx); err != nil {
				return nil, err
			}
		}
		select {
		case msg, ok := <-c.msgs:
			if !ok {
				err := c.batch.Error()
				c.endFetch()
				if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) &&
					!errors.Is(err, context.Canceled) {
					return nil, fmt.Errorf("store: fetch records of %s: %w", c.uid, err)
				}
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				continue // the pull expired or was filled: ask again
			}
			m, err := c.wrap(ctx, msg)
			if m == nil && err == nil {
				continue // handed out before
			}
			return m, err
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// fetch starts a pull of up to Prefetch messages and PrefetchBytes bytes.
func (c *Consumer) fetch(ctx context.Context) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchExpiry)
	batch, err := c.cons.Fetch(c.cfg.Prefetch, jetstream.FetchMaxBytes(c.cfg.PrefetchBytes), jetstream.FetchContext(fctx))
	if err != nil {
		cancel()
		return fmt.Errorf("store: fetch records of %s: %w", c.uid, err)
	}
	c.batch, c.msgs, c.cancelFetch = batch, batch.Messages(), cancel
	return nil
}

func (c *Consumer) endFetch() {
	if c.cancelFetch != nil {
		c.cancelFetch()
	}
	c.msgs, c.batch, c.cancelFetch = nil, nil, nil
}

// wrap turns a delivered message into a StoredMessage, or returns nil for
// one handed out before.
func (c *Consumer) wrap(ctx context.Context, msg jetstream.Msg) (*StoredMessage, error) {
	meta, err := msg.Metadata()
	if err != nil {
		return nil, fmt.Errorf("store: message metadata of %s: %w", c.uid, err)
	}
	if n := meta.Sequence.Consumer; n > c.lastConsSeq {
		c.lost += n - c.lastConsSeq - 1
		c.lastConsSeq = n
	}
	seq := meta.Sequence.Stream
	if seq <= c.lastSeq {
		return nil, nil
	}
	data, switchMode, err := c.payload(ctx, seq, msg)
	if err != nil {
		return nil, err
	}
	c.lastDelivery += 1 + c.lost
	c.lost, c.lastSeq = 0, seq
	m := &StoredMessage{
		Sequence:    seq,
		Delivered:   meta.NumDelivered,
		DeliverySeq: c.lastDelivery,
		Stored:      meta.Timestamp,
		Data:        data,
	}
	if switchMode {
		if err := c.recreate(ctx, !c.headersOnly); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// payload returns the stored group seq and whether the consumer should
// switch modes after handing it out.
func (c *Consumer) payload(ctx context.Context, seq uint64, msg jetstream.Msg) ([]byte, bool, error) {
	hdr := msg.Headers()
	key := hdr.Get(recentHeader)
	if !c.headersOnly {
		// Drop the copy in memory, if any: it is not needed, and finding
		// it says the consumer has caught up with what is kept there.
		if key != "" {
			if _, ok := c.store.recent.take(key, c.uid, len(msg.Data())); ok {
				c.inMemory++
				return msg.Data(), c.inMemory >= recentCaughtUp, nil
			}
		}
		c.inMemory = 0
		return msg.Data(), false, nil
	}
	size, err := strconv.Atoi(hdr.Get(nats.MsgSize))
	if err != nil {
		return nil, false, fmt.Errorf("store: message %d of %s: bad %s header %q", seq, c.uid, nats.MsgSize, hdr.Get(nats.MsgSize))
	}
	if key != "" {
		if data, ok := c.store.recent.take(key, c.uid, size); ok {
			c.store.recent.count(true)
			return data, false, nil
		}
	}
	// Not in memory: read this one from the log, and carry payloads from
	// the next one on.
	c.store.recent.count(false)
	raw, err := c.store.records.GetMsg(ctx, seq)
	if err != nil {
		return nil, false, fmt.Errorf("store: read message %d of %s: %w", seq, c.uid, err)
	}
	if raw.Subject != RecordSubject(c.uid) || len(raw.Data) != size {
		return nil, false, fmt.Errorf("store: message %d is not the one delivered to %s", seq, c.uid)
	}
	return raw.Data, true, nil
}

// AckThrough acknowledges, in one step, every stored message of the stream
// with a sequence up to and including seq: they are removed from the log
// together, or (on error) none is. The consumer's own state follows.
func (c *Consumer) AckThrough(ctx context.Context, seq uint64) error {
	err := c.store.records.Purge(ctx,
		jetstream.WithPurgeSubject(RecordSubject(c.uid)),
		jetstream.WithPurgeSequence(seq+1))
	if err != nil {
		return fmt.Errorf("store: acknowledge %s through %d: %w", c.uid, seq, err)
	}
	return nil
}

// Pending returns how many stored messages of the stream the consumer has
// not handed out yet, and how many it handed out that are not acknowledged.
func (c *Consumer) Pending(ctx context.Context) (waiting uint64, unacked int, err error) {
	info, err := c.cons.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: consumer info of %s: %w", c.uid, err)
	}
	return info.NumPending, info.NumAckPending, nil
}

// Close stops fetching. Messages handed out and not acknowledged stay
// stored and are delivered again by the next OpenConsumer.
func (c *Consumer) Close() {
	c.endFetch()
	if !c.closed {
		c.closed = true
		c.store.recent.reading(c.uid, -1)
	}
}

// DeleteConsumer removes a delivery stream's consumer (when the stream is
// deleted). A missing consumer is not an error.
func (s *Store) DeleteConsumer(ctx context.Context, streamUID string) error {
	err := s.records.DeleteConsumer(ctx, ConsumerName(streamUID))
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("store: delete consumer of %s: %w", streamUID, err)
	}
	return nil
}

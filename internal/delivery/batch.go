package delivery

import (
	"time"

	"github.com/sluicehq/sluice/internal/records"
)

// part is one stored message inside a batch: its records, not copied (the
// Reader aliases the message, or its decrypted plaintext).
type part struct {
	seq      uint64
	recs     records.Reader
	count    int
	bytes    int   // record data, before compression
	oldestMS int64 // earliest arrival of its groups
}

// batch is the records of one object: whole stored messages, in sequence
// order, all under one configuration version.
type batch struct {
	plan     *plan
	parts    []part
	firstSeq uint64
	lastSeq  uint64
	records  int
	bytes    int
	oldestMS int64
	deadline time.Time
}

func (b *batch) oldest() time.Time { return time.UnixMilli(b.oldestMS).UTC() }

// batcher cuts the stream of stored messages into batches by the buffering
// hints of each message's configuration:
//
//   - size: a batch is cut once its record data reaches SizeInMBs, and a
//     message that would take a non-empty batch past it starts the next
//     batch instead (a single larger message makes one object of its own);
//   - interval: a batch holds the records that arrived within
//     IntervalInSeconds of its first record (zero buffering: within linger,
//     so records that arrive together still share an object). A message
//     that arrived later starts the next batch, and the batch is due when
//     that much wall-clock time has passed and no earlier record is
//     waiting. Going by arrival times, a runner catching up on a backlog
//     makes the same objects it would have made on time, and a batch
//     redone after a crash holds the same messages;
//   - version: a message under a newer configuration version (after
//     UpdateDestination) cuts the batch, so every object is named and
//     written under exactly one version.
//
// It is plain logic with the clock passed in, so tests drive it directly.
type batcher struct {
	linger time.Duration
	cur    *batch
}

// add puts a message into the current batch and returns the batches that
// are complete as a result, oldest first (none, one or two).
func (b *batcher) add(p *plan, pt part) []*batch {
	var done []*batch
	if c := b.cur; c != nil && (c.plan.version != p.version || c.bytes+pt.bytes > p.sizeLimit ||
		!time.UnixMilli(pt.oldestMS).Before(c.deadline)) {
		done = append(done, c)
		b.cur = nil
	}
	if b.cur == nil {
		interval := p.interval
		if interval == 0 {
			interval = b.linger
		}
		b.cur = &batch{plan: p, firstSeq: pt.seq, oldestMS: pt.oldestMS,
			deadline: time.UnixMilli(pt.oldestMS).Add(interval)}
	}
	c := b.cur
	c.parts = append(c.parts, pt)
	c.lastSeq = pt.seq
	c.records += pt.count
	c.bytes += pt.bytes
	c.oldestMS = min(c.oldestMS, pt.oldestMS)
	if c.bytes >= p.sizeLimit {
		done = append(done, c)
		b.cur = nil
	}
	return done
}

// due returns the current batch if it must be delivered now: its interval
// has passed, or the stream moved to another configuration version. The
// runner asks only when no message is waiting (see add).
func (b *batcher) due(now time.Time, version int64) *batch {
	c := b.cur
	if c == nil || (now.Before(c.deadline) && c.plan.version == version) {
		return nil
	}
	b.cur = nil
	return c
}

// wait is how long to wait for more messages before the current batch is
// due (idle when there is none).
func (b *batcher) wait(now time.Time, idle time.Duration) time.Duration {
	if b.cur == nil {
		return idle
	}
	return min(b.cur.deadline.Sub(now), idle)
}

// oldestMS is the arrival of the oldest record in the open batch (0: none).
func (b *batcher) oldestMS() int64 {
	if b.cur == nil {
		return 0
	}
	return b.cur.oldestMS
}

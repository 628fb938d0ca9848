package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
)

// Group commit. Storing a message durably costs an fsync, and JetStream
// syncs each message on its own, so small concurrent calls on one stream
// are stored together: while one group is being written, new calls queue
// up, and the next group takes all of them. There is no timer and no
// added latency: a call on an idle stream is written at once.
//
// The goroutine of a waiting call does the writing (leader hand-off), so
// there is no background goroutine per stream.

type committers struct {
	in *Ingester
	mu sync.Mutex
	m  map[string]*committer
}

func (cs *committers) init(in *Ingester) {
	cs.in = in
	cs.m = make(map[string]*committer)
}

// pending is one call waiting in a committer.
type pending struct {
	recs    [][]byte
	bytes   int
	arrival time.Time
	wake    chan wakeReason
	result  Accepted
	err     error
}

type wakeReason int

const (
	wakeDone wakeReason = iota // the call's records are stored (or failed)
	wakeLead                   // the call must write the next group
)

type committer struct {
	in      *Ingester
	uid     string
	mu      sync.Mutex
	queue   []*pending
	writing bool
	buf     []byte // reused encode buffer; only the writer touches it
}

func (cs *committers) get(uid string) *committer {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.m[uid]
	if c == nil {
		c = &committer{in: cs.in, uid: uid}
		cs.m[uid] = c
	}
	return c
}

func (cs *committers) commit(ctx context.Context, ds *firehose.DeliveryStream, arrival time.Time, recs [][]byte) (Accepted, error) {
	c := cs.get(ds.UID)
	p := &pending{recs: recs, arrival: arrival, wake: make(chan wakeReason, 1)}
	for _, r := range recs {
		p.bytes += len(r)
	}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	lead := !c.writing
	c.writing = true
	c.mu.Unlock()

	for {
		if lead {
			c.writeGroup(ctx, ds)
		}
		// A call that is handed the lead writes a group that starts with
		// its own records, so after at most one lead it is done.
		if reason := <-p.wake; reason == wakeDone {
			return p.result, p.err
		}
		lead = true
	}
}

// writeGroup takes as many queued calls as fit in one group, stores them
// as one message, wakes them, and hands the lead to the next queued call.
func (c *committer) writeGroup(ctx context.Context, ds *firehose.DeliveryStream) {
	c.mu.Lock()
	n, size := 0, 0
	for n < len(c.queue) && (n == 0 || size+c.queue[n].bytes <= c.in.cfg.MaxGroupBytes) {
		size += c.queue[n].bytes
		n++
	}
	group := append([]*pending(nil), c.queue[:n]...)
	c.queue = c.queue[n:]
	c.mu.Unlock()

	c.store(ctx, ds, group)
	for _, p := range group {
		p.wake <- wakeDone
	}

	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].wake <- wakeLead
	} else {
		c.writing = false
	}
	c.mu.Unlock()
}

func (c *committer) store(ctx context.Context, ds *firehose.DeliveryStream, group []*pending) {
	groups := make([]records.Group, len(group))
	for i, p := range group {
		groups[i] = records.Group{ArrivalMS: p.arrival.UnixMilli(), Records: p.recs}
	}
	// The group is written on behalf of several callers: one caller
	// giving up must not abandon the others' records.
	ctx = context.WithoutCancel(ctx)
	msg, encrypted, err := c.in.encoder.Encode(ctx, ds, c.buf[:0], groups)
	var seq uint64
	if err == nil {
		seq, err = c.in.appender.AppendRecords(ctx, c.uid, msg)
		c.buf = msg[:0]
		if cap(c.buf) > 2*c.in.cfg.MaxGroupBytes {
			c.buf = nil // do not pin an unusually large buffer
		}
	}
	err = storeError(err)
	first := uint32(0)
	for _, p := range group {
		p.result = Accepted{Seq: seq, First: first, Encrypted: encrypted}
		p.err = err
		first += uint32(len(p.recs))
	}
}

func storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrStorageFull):
		return &firehose.Error{Kind: firehose.ErrUnavailable, Message: "Slow down."}
	default:
		var domErr *firehose.Error
		if errors.As(err, &domErr) {
			return err
		}
		return fmt.Errorf("ingest: store records: %w", err)
	}
}

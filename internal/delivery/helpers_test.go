package delivery

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/records"
)

// fakeLog is an in-memory record log with the semantics delivery relies
// on: consumers start at the first unacknowledged message, AckThrough drops
// a prefix atomically.
type fakeLog struct {
	mu      sync.Mutex
	msgs    []Message
	seq     uint64
	notify  chan struct{}
	opens   int
	ackFail atomic.Bool
	deleted []string
}

func newFakeLog() *fakeLog { return &fakeLog{notify: make(chan struct{})} }

func (l *fakeLog) append(groups ...records.Group) uint64 {
	return l.appendRaw(records.Append(nil, groups...))
}

func (l *fakeLog) appendRaw(data []byte) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq += 3 // sequences are not dense within one stream
	l.msgs = append(l.msgs, Message{Seq: l.seq, Data: data})
	close(l.notify)
	l.notify = make(chan struct{})
	return l.seq
}

func (l *fakeLog) stored() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.msgs)
}

func (l *fakeLog) OpenConsumer(_ context.Context, _ string) (Consumer, error) {
	l.mu.Lock()
	l.opens++
	l.mu.Unlock()
	return &fakeConsumer{log: l}, nil
}

func (l *fakeLog) DeleteConsumer(_ context.Context, uid string) error {
	l.mu.Lock()
	l.deleted = append(l.deleted, uid)
	l.mu.Unlock()
	return nil
}

type fakeConsumer struct {
	log    *fakeLog
	cursor uint64
}

func (c *fakeConsumer) Next(ctx context.Context, maxWait time.Duration) (Message, bool, error) {
	t := time.NewTimer(maxWait)
	defer t.Stop()
	for {
		c.log.mu.Lock()
		for _, m := range c.log.msgs {
			if m.Seq > c.cursor {
				c.cursor = m.Seq
				c.log.mu.Unlock()
				return m, true, nil
			}
		}
		wake := c.log.notify
		c.log.mu.Unlock()
		select {
		case <-ctx.Done():
			return Message{}, false, ctx.Err()
		case <-t.C:
			return Message{}, false, nil
		case <-wake:
		}
	}
}

func (c *fakeConsumer) AckThrough(_ context.Context, seq uint64) error {
	if c.log.ackFail.Load() {
		return errors.New("ack refused by the test")
	}
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	i := 0
	for i < len(c.log.msgs) && c.log.msgs[i].Seq <= seq {
		i++
	}
	c.log.msgs = c.log.msgs[i:]
	return nil
}

func (c *fakeConsumer) Close() {}

// memStore is an ObjectStore in memory that can be made to fail.
type memStore struct {
	mu      sync.Mutex
	objects map[string]destination.Object
	puts    []string
	fail    func(obj destination.Object) error
}

func newMemStore() *memStore { return &memStore{objects: make(map[string]destination.Object)} }

func (s *memStore) PutObject(ctx context.Context, obj destination.Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.puts = append(s.puts, obj.Key)
	if s.fail != nil {
		if err := s.fail(obj); err != nil {
			return err
		}
	}
	obj.Body = append([]byte(nil), obj.Body...)
	s.objects[obj.Bucket+"/"+obj.Key] = obj
	return nil
}

func (s *memStore) setFail(f func(destination.Object) error) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

func (s *memStore) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *memStore) get(key string) destination.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objects[key]
}

func (s *memStore) attempts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.puts...)
}

// fakeStreams is a catalog the test edits.
type fakeStreams struct {
	mu      sync.Mutex
	streams map[string]*firehose.DeliveryStream
	calls   atomic.Int64
}

// synced waits until the manager has finished a scan that started after
// this call, so it has handed the catalog's current state to its runners.
func (f *fakeStreams) synced(t *testing.T) {
	t.Helper()
	c0 := f.calls.Load()
	eventually(t, "a catalog scan", func() bool { return f.calls.Load() >= c0+2 })
}

func (f *fakeStreams) All(context.Context) ([]*firehose.DeliveryStream, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*firehose.DeliveryStream
	for _, ds := range f.streams {
		cp := *ds
		out = append(out, &cp)
	}
	return out, nil
}

func (f *fakeStreams) set(ds *firehose.DeliveryStream) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streams == nil {
		f.streams = make(map[string]*firehose.DeliveryStream)
	}
	cp := *ds
	f.streams[ds.UID] = &cp
}

func (f *fakeStreams) remove(uid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.streams, uid)
}

func ptr[T any](v T) *T { return &v }

// s3Stream is an ACTIVE DirectPut stream to bucket "analytics"; mutate
// adjusts its ExtendedS3 configuration.
func s3Stream(name string, mutate ...func(*fm.ExtendedS3DestinationConfiguration)) *firehose.DeliveryStream {
	c := &fm.ExtendedS3DestinationConfiguration{
		RoleARN:           ptr("arn:aws:iam::000000000000:role/fh"),
		BucketARN:         ptr("arn:aws:s3:::analytics"),
		BufferingHints:    &fm.BufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](0)},
		CompressionFormat: ptr(fm.CompressionFormatUncompressed),
	}
	for _, m := range mutate {
		m(c)
	}
	return &firehose.DeliveryStream{
		Name: name, AccountID: "000000000000", Region: "us-east-1",
		ARN: "arn:aws:firehose:us-east-1:000000000000:deliverystream/" + name,
		UID: "uid" + name, Type: fm.DeliveryStreamTypeDirectPut, Status: firehose.StatusActive, VersionID: 1,
		Destination: firehose.Destination{ExtendedS3: c},
	}
}

type harness struct {
	t       *testing.T
	log     *fakeLog
	store   *memStore
	streams *fakeStreams
	leases  kv.Store
	metrics *metrics.Metrics
	cfg     Config
	dec     Decrypter
	stop    func()
}

func newHarness(t *testing.T) *harness {
	return &harness{
		t: t, log: newFakeLog(), store: newMemStore(), streams: &fakeStreams{}, leases: kv.NewMemory(),
		metrics: metrics.New(),
		cfg: Config{NodeID: "n1", PollInterval: 20 * time.Millisecond, RetryInitial: 5 * time.Millisecond,
			RetryMax: 20 * time.Millisecond, ZeroBufferLinger: 30 * time.Millisecond, IdleWait: 50 * time.Millisecond,
			LeaseTTL: 300 * time.Millisecond, RecordMaxAge: 100 * 365 * 24 * time.Hour},
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("SLUICE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs a Manager until the test ends or stop is called.
func (h *harness) start() *Manager {
	m := NewManager(h.cfg, Deps{Streams: h.streams, Records: h.log, Objects: h.store, Leases: h.leases,
		Metrics: h.metrics, Decrypter: h.dec, Log: testLogger()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx)
	}()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	h.t.Cleanup(h.stop)
	return m
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func group(arrivalMS int64, recs ...string) records.Group {
	g := records.Group{ArrivalMS: arrivalMS}
	for _, r := range recs {
		g.Records = append(g.Records, []byte(r))
	}
	return g
}

func hasPrefixAll(keys []string, prefix string) bool {
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			return false
		}
	}
	return true
}

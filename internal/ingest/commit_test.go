package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/records"
)

// gatedLog is a record log whose appends block until the test releases
// them, so that tests can hold groups in flight and queue calls behind
// them deterministically.
type gatedLog struct {
	mu       sync.Mutex
	msgs     [][]byte
	inFlight int
	maxSeen  int
	release  chan error // one value per append: nil to store, an error to fail
	entered  chan struct{}
}

func newGatedLog() *gatedLog {
	return &gatedLog{release: make(chan error, 1024), entered: make(chan struct{}, 1024)}
}

func (g *gatedLog) AppendRecords(_ context.Context, _ string, msg []byte) (uint64, error) {
	g.mu.Lock()
	g.inFlight++
	g.maxSeen = max(g.maxSeen, g.inFlight)
	g.mu.Unlock()
	g.entered <- struct{}{}
	err := <-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	if err != nil {
		return 0, err
	}
	g.msgs = append(g.msgs, append([]byte(nil), msg...))
	return uint64(len(g.msgs)), nil
}

type fixedStream struct{ ds *firehose.DeliveryStream }

func (f fixedStream) Lookup(context.Context, firehose.Caller, string) (*firehose.DeliveryStream, error) {
	return f.ds, nil
}

func testIngester(log Appender, cfg Config) *Ingester {
	ds := &firehose.DeliveryStream{Name: "s", UID: "uid-1", ARN: "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
		Type: fm.DeliveryStreamTypeDirectPut, Status: firehose.StatusActive}
	return New(cfg, fixedStream{ds}, log, PlainEncoder{}, metrics.New())
}

func (in *Ingester) queued(uid string) int {
	c := in.committers.get(uid)
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type putResult struct {
	acc Accepted
	err error
}

func put(in *Ingester, recs ...string) chan putResult {
	out := make(chan putResult, 1)
	data := make([][]byte, len(recs))
	for i, r := range recs {
		data[i] = []byte(r)
	}
	go func() {
		acc, err := in.Put(context.Background(), firehose.Caller{}, "s", data, len(recs) == 1)
		out <- putResult{acc, err}
	}()
	return out
}

func decode(t *testing.T, msg []byte) []string {
	t.Helper()
	m, err := records.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Records()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for r.Next() {
		out = append(out, string(r.Data()))
	}
	return out
}

// TestGroupCommitPipeline holds two groups in flight and checks that the
// calls queued behind them are stored together as one group, in arrival
// order, with each call told where its records are.
func TestGroupCommitPipeline(t *testing.T) {
	log := newGatedLog()
	in := testIngester(log, Config{GroupsInFlight: 2, MaxGroupBytes: 8})

	a := put(in, "a1", "a2")
	<-log.entered
	b := put(in, "b1b2") // half of MaxGroupBytes: a second group starts
	<-log.entered        // two groups in flight: the pipeline is full
	c := put(in, "c1")
	waitFor(t, "c queued", func() bool { return in.queued("uid-1") == 1 })
	d := put(in, "d1", "d2", "d3")
	waitFor(t, "d queued", func() bool { return in.queued("uid-1") == 2 })

	log.release <- nil // a's group stored; its writer hands [c d] on
	<-log.entered
	log.release <- nil // b
	log.release <- nil // [c d]
	results := map[string]putResult{"a": <-a, "b": <-b, "c": <-c, "d": <-d}
	for name, r := range results {
		if r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
	}
	if len(log.msgs) != 3 {
		t.Fatalf("%d messages stored, want 3 (a, b, then c and d together)", len(log.msgs))
	}
	// b's group and [c d] were in flight together, so either may be
	// stored first.
	cd := results["c"].acc.Seq
	if cd == 0 || cd > 3 || fmt.Sprint(decode(t, log.msgs[cd-1])) != "[c1 d1 d2 d3]" {
		t.Fatalf("c's message %d does not hold [c1 d1 d2 d3]", cd)
	}
	if r := results["c"].acc; r.First != 0 {
		t.Fatalf("c stored at index %d, want 0", r.First)
	}
	if r := results["d"].acc; r.Seq != cd || r.First != 1 || r.Count != 3 {
		t.Fatalf("d stored at %d/%d count %d, want %d/1 count 3", r.Seq, r.First, r.Count, cd)
	}
	if r := results["b"].acc; r.Seq == 0 || r.Seq > 3 || fmt.Sprint(decode(t, log.msgs[r.Seq-1])) != "[b1b2]" {
		t.Fatalf("b's message %d does not hold [b1b2] alone", r.Seq)
	}
	if r := results["a"].acc; r.Seq != 1 || fmt.Sprint(decode(t, log.msgs[0])) != "[a1 a2]" {
		t.Fatalf("a stored at %d, want first", r.Seq)
	}
	if log.maxSeen != 2 {
		t.Fatalf("%d groups were in flight at once, want at most and at least 2", log.maxSeen)
	}
}

// TestGroupCommitSmallCallsWait checks that small calls wait for the group
// being written instead of starting a second one, and that a second group
// starts once the calls waiting reach half of MaxGroupBytes; it begins
// with the earlier, smaller call, whose caller writes it.
func TestGroupCommitSmallCallsWait(t *testing.T) {
	log := newGatedLog()
	in := testIngester(log, Config{GroupsInFlight: 2, MaxGroupBytes: 20})

	a := put(in, "a")
	<-log.entered
	b := put(in, "b")
	waitFor(t, "b queued", func() bool { return in.queued("uid-1") == 1 })
	c := put(in, "c")
	waitFor(t, "c queued", func() bool { return in.queued("uid-1") == 2 })
	select {
	case <-log.entered:
		t.Fatal("a second group started for 2 bytes of calls")
	case <-time.After(50 * time.Millisecond):
	}
	big := put(in, "0123456789") // 12 bytes waiting: over half of 20
	<-log.entered                // the second group: [b c big]
	waitFor(t, "the queue taken", func() bool { return in.queued("uid-1") == 0 })
	log.release <- nil
	log.release <- nil
	for name, ch := range map[string]chan putResult{"a": a, "b": b, "c": c, "big": big} {
		if r := <-ch; r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
	}
	var got []string
	for _, m := range log.msgs {
		got = append(got, fmt.Sprint(decode(t, m)))
	}
	slices.Sort(got) // the two groups were in flight together: either may be stored first
	if want := "[[a] [b c 0123456789]]"; fmt.Sprint(got) != want {
		t.Fatalf("messages %v, want %s", got, want)
	}
	if log.maxSeen != 2 {
		t.Fatalf("%d groups in flight at once, want 2", log.maxSeen)
	}
}

// TestGroupCommitMaxBytes checks that a group stops at MaxGroupBytes but a
// call larger than that is stored whole.
func TestGroupCommitMaxBytes(t *testing.T) {
	log := newGatedLog()
	in := testIngester(log, Config{GroupsInFlight: 1, MaxGroupBytes: 10})

	first := put(in, "0123456789")
	<-log.entered
	big := put(in, "0123456789abcdef") // over the limit alone
	waitFor(t, "big queued", func() bool { return in.queued("uid-1") == 1 })
	small1 := put(in, "xxxxx")
	waitFor(t, "small1 queued", func() bool { return in.queued("uid-1") == 2 })
	small2 := put(in, "yyyyy")
	waitFor(t, "small2 queued", func() bool { return in.queued("uid-1") == 3 })
	for range 3 {
		log.release <- nil
	}
	for _, ch := range []chan putResult{first, big, small1, small2} {
		if r := <-ch; r.err != nil {
			t.Fatal(r.err)
		}
	}
	var got []string
	for _, m := range log.msgs {
		got = append(got, fmt.Sprint(decode(t, m)))
	}
	if want := "[[0123456789] [0123456789abcdef] [xxxxx yyyyy]]"; fmt.Sprint(got) != want {
		t.Fatalf("messages %v, want %s", got, want)
	}
}

// TestGroupCommitErrors checks that a failed store fails every call of the
// group, with the storage-full error turned into "Slow down.", and that the
// next group is still written.
func TestGroupCommitErrors(t *testing.T) {
	log := newGatedLog()
	in := testIngester(log, Config{GroupsInFlight: 1})

	a := put(in, "a")
	<-log.entered
	b := put(in, "b")
	waitFor(t, "b queued", func() bool { return in.queued("uid-1") == 1 })
	c := put(in, "c")
	waitFor(t, "c queued", func() bool { return in.queued("uid-1") == 2 })
	log.release <- nil
	log.release <- ErrStorageFull // [b c]

	if r := <-a; r.err != nil {
		t.Fatal(r.err)
	}
	for name, ch := range map[string]chan putResult{"b": b, "c": c} {
		r := <-ch
		var domErr *firehose.Error
		if !errors.As(r.err, &domErr) || !errors.Is(domErr.Kind, firehose.ErrUnavailable) || domErr.Message != "Slow down." {
			t.Fatalf("%s: %v, want ServiceUnavailable Slow down.", name, r.err)
		}
	}
	log.release <- errors.New("disk on fire")
	if r := <-put(in, "d"); r.err == nil || errors.As(r.err, new(*firehose.Error)) {
		t.Fatalf("d: %v, want an internal error", r.err)
	}
	log.release <- nil
	if r := <-put(in, "e"); r.err != nil {
		t.Fatalf("e after failures: %v", r.err)
	}
}

// TestGroupCommitStress runs many concurrent calls through a log that
// stores at once, and checks that every record is stored exactly once,
// each call's records together and in order.
func TestGroupCommitStress(t *testing.T) {
	log := &instantLog{}
	in := testIngester(log, Config{GroupsInFlight: 3, MaxGroupBytes: 64})
	const workers, calls = 16, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				recs := [][]byte{fmt.Appendf(nil, "%02d-%03d-0", w, i), fmt.Appendf(nil, "%02d-%03d-1", w, i)}
				acc, err := in.Put(context.Background(), firehose.Caller{}, "s", recs, false)
				if err != nil || acc.Count != 2 {
					t.Errorf("put: %v", err)
					return
				}
				got := log.record(acc.Seq, int(acc.First))
				if string(got) != string(recs[0]) {
					t.Errorf("Accepted points at %q, want %q", got, recs[0])
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range log.msgs {
		recs := decode(t, m)
		for i := 0; i < len(recs); i += 2 {
			var w, c int
			fmt.Sscanf(recs[i], "%02d-%03d-0", &w, &c)
			if recs[i+1] != fmt.Sprintf("%02d-%03d-1", w, c) || seen[recs[i]] {
				t.Fatalf("call %s split, reordered or duplicated", recs[i])
			}
			seen[recs[i]] = true
		}
	}
	if len(seen) != workers*calls {
		t.Fatalf("%d calls stored, want %d", len(seen), workers*calls)
	}
}

type instantLog struct {
	mu   sync.Mutex
	msgs [][]byte
}

func (l *instantLog) AppendRecords(_ context.Context, _ string, msg []byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, append([]byte(nil), msg...))
	return uint64(len(l.msgs)), nil
}

func (l *instantLog) record(seq uint64, index int) []byte {
	l.mu.Lock()
	msg := l.msgs[seq-1]
	l.mu.Unlock()
	m, _ := records.Parse(msg)
	r, _ := m.Records()
	for r.Next() {
		if r.Index() == index {
			return r.Data()
		}
	}
	return nil
}

// TestGroupCommitWaitsForShortQueue checks that a writer finding only a
// few calls queued behind its group waits before taking them, so that a
// call arriving during the wait joins them; and that with nothing queued
// it does not wait at all.
func TestGroupCommitWaitsForShortQueue(t *testing.T) {
	log := newGatedLog()
	in := testIngester(log, Config{GroupsInFlight: 1, GroupWait: time.Hour})
	waiting, resume := make(chan time.Duration, 1), make(chan struct{})
	in.sleep = func(d time.Duration) {
		waiting <- d
		<-resume
	}

	a := put(in, "a")
	<-log.entered
	b := put(in, "b")
	waitFor(t, "b queued", func() bool { return in.queued("uid-1") == 1 })
	log.release <- nil // a stored; [b] is short, so a's writer waits
	if d := <-waiting; d != time.Hour {
		t.Fatalf("waited %v, want GroupWait", d)
	}
	c := put(in, "c")
	waitFor(t, "c queued", func() bool { return in.queued("uid-1") == 2 })
	close(resume)
	<-log.entered // [b c]
	log.release <- nil
	for name, ch := range map[string]chan putResult{"a": a, "b": b, "c": c} {
		if r := <-ch; r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
	}
	var got []string
	for _, m := range log.msgs {
		got = append(got, fmt.Sprint(decode(t, m)))
	}
	if want := "[[a] [b c]]"; fmt.Sprint(got) != want {
		t.Fatalf("messages %v, want %s", got, want)
	}
	// [b c]'s writer found the queue empty: it must not have waited.
	select {
	case d := <-waiting:
		t.Fatalf("waited %v with nothing queued", d)
	default:
	}
}

// TestGroupCommitNoWaitForLargeCalls checks that calls already holding a
// good part of a group are taken at once.
func TestGroupCommitNoWaitForLargeCalls(t *testing.T) {
	log := newGatedLog()
	// Calls count as small below 64/32 = 2 bytes of records.
	in := testIngester(log, Config{GroupsInFlight: 1, MaxGroupBytes: 64, GroupWait: time.Hour})
	in.sleep = func(d time.Duration) { t.Errorf("waited %v for a queue of a large call", d) }

	a := put(in, "a")
	<-log.entered
	b := put(in, "0123")
	waitFor(t, "b queued", func() bool { return in.queued("uid-1") == 1 })
	log.release <- nil
	<-log.entered // [b], without waiting
	log.release <- nil
	for name, ch := range map[string]chan putResult{"a": a, "b": b} {
		if r := <-ch; r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
	}
}

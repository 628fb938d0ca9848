package delivery

import (
	"testing"
	"time"
)

func testPlan(version int64, sizeLimit int, interval time.Duration) *plan {
	return &plan{version: version, sizeLimit: sizeLimit, interval: interval}
}

func pt(seq uint64, bytes int, arrivalMS int64) part {
	return part{seq: seq, count: 1, bytes: bytes, oldestMS: arrivalMS}
}

func seqs(b *batch) []uint64 {
	var out []uint64
	for _, p := range b.parts {
		out = append(out, p.seq)
	}
	return out
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBatcherSize(t *testing.T) {
	p := testPlan(1, 100, time.Hour)
	b := batcher{linger: time.Second}
	if done := b.add(p, pt(1, 40, 1000)); len(done) != 0 {
		t.Fatal("cut too early")
	}
	if done := b.add(p, pt(2, 40, 1001)); len(done) != 0 {
		t.Fatal("cut too early")
	}
	// 80 + 40 would pass 100: the batch is cut before this message, which
	// starts the next one (messages are never split).
	done := b.add(p, pt(3, 40, 1002))
	if len(done) != 1 || !equalSeqs(seqs(done[0]), []uint64{1, 2}) || done[0].bytes != 80 || done[0].records != 2 {
		t.Fatalf("got %+v", done)
	}
	if done[0].firstSeq != 1 || done[0].lastSeq != 2 || done[0].oldestMS != 1000 {
		t.Fatalf("identity %+v", done[0])
	}
	// Reaching the limit exactly cuts at once.
	done = b.add(p, pt(4, 60, 1003))
	if len(done) != 1 || !equalSeqs(seqs(done[0]), []uint64{3, 4}) {
		t.Fatalf("got %+v", done)
	}
	// A message larger than the limit makes an object of its own, and
	// cuts the batch before it.
	b.add(p, pt(5, 10, 1004))
	done = b.add(p, pt(6, 500, 1005))
	if len(done) != 2 || !equalSeqs(seqs(done[0]), []uint64{5}) || !equalSeqs(seqs(done[1]), []uint64{6}) {
		t.Fatalf("oversized message: %d batches", len(done))
	}
	if b.cur != nil {
		t.Fatal("open batch left")
	}
}

func TestBatcherInterval(t *testing.T) {
	p := testPlan(1, 1<<20, 60*time.Second)
	b := batcher{linger: time.Second}
	start := time.UnixMilli(10_000)
	b.add(p, pt(1, 1, start.UnixMilli()))
	b.add(p, pt(2, 1, start.Add(50*time.Second).UnixMilli()))
	// The interval runs from the first record of the batch, not the last.
	if got := b.due(start.Add(59*time.Second), 1); got != nil {
		t.Fatal("due before the interval")
	}
	if w := b.wait(start.Add(59*time.Second), time.Hour); w != time.Second {
		t.Fatalf("wait = %v", w)
	}
	got := b.due(start.Add(60*time.Second), 1)
	if got == nil || !equalSeqs(seqs(got), []uint64{1, 2}) {
		t.Fatalf("due = %+v", got)
	}
	if b.due(start.Add(time.Hour), 1) != nil {
		t.Fatal("empty batcher due")
	}
	if w := b.wait(start, 5*time.Second); w != 5*time.Second {
		t.Fatalf("idle wait = %v", w)
	}
	// The oldest record may come later than the first (group commit
	// order); the batch's time is the oldest.
	b.add(p, pt(3, 1, 20_000))
	b.add(p, pt(4, 1, 19_000))
	if b.oldestMS() != 19_000 {
		t.Fatalf("oldest = %d", b.oldestMS())
	}
}

func TestBatcherZeroInterval(t *testing.T) {
	p := testPlan(1, 1<<20, 0)
	b := batcher{linger: 500 * time.Millisecond}
	t0 := time.UnixMilli(1_000_000)
	b.add(p, pt(1, 1, t0.UnixMilli()))
	b.add(p, pt(2, 1, t0.Add(100*time.Millisecond).UnixMilli()))
	if b.due(t0.Add(499*time.Millisecond), 1) != nil {
		t.Fatal("zero buffering should linger briefly so records arriving together share an object")
	}
	if got := b.due(t0.Add(500*time.Millisecond), 1); got == nil || len(got.parts) != 2 {
		t.Fatalf("due = %+v", got)
	}
}

func TestBatcherVersionChange(t *testing.T) {
	v1 := testPlan(1, 100, time.Hour)
	v2 := testPlan(2, 30, time.Hour)
	b := batcher{linger: time.Second}
	b.add(v1, pt(1, 10, 1))
	b.add(v1, pt(2, 10, 2))
	// The stream was updated while the batch was open: the batch is due
	// at once, under its own version, without waiting for its interval.
	if got := b.due(time.UnixMilli(3), 2); got == nil || got.plan.version != 1 || len(got.parts) != 2 {
		t.Fatalf("due on version change = %+v", got)
	}
	// A message read under the new version also cuts an old batch first.
	b.add(v1, pt(3, 10, 3))
	done := b.add(v2, pt(4, 10, 4))
	if len(done) != 1 || done[0].plan.version != 1 || !equalSeqs(seqs(done[0]), []uint64{3}) {
		t.Fatalf("got %+v", done)
	}
	// The new batch follows the new hints (30 bytes).
	done = b.add(v2, pt(5, 20, 5))
	if len(done) != 1 || done[0].plan.version != 2 || !equalSeqs(seqs(done[0]), []uint64{4, 5}) {
		t.Fatalf("new hints: %+v", done)
	}
}

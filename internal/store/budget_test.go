package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeLog stands in for JetStream's count of the record log's bytes.
type fakeLog struct {
	size  int64
	asked int
}

func (f *fakeLog) budget(max int64, now *time.Time) *diskBudget {
	return &diskBudget{max: max, stored: f.size, now: func() time.Time { return *now },
		size: func(context.Context) (int64, error) { f.asked++; return f.size, nil }}
}

func TestDiskBudgetCountsAppendsAndLearnsOfDeliveries(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	log := &fakeLog{size: 100}
	b := log.budget(1000, &now)

	// Appends in flight count as much as stored ones.
	if !b.reserve(ctx, 500) || !b.reserve(ctx, 400) {
		t.Fatal("900 bytes refused with 900 free")
	}
	if b.reserve(ctx, 1) {
		t.Fatal("a byte over the budget was accepted")
	}
	b.done(500)
	b.done(400) // failed or not: counted until a refresh
	log.size = 1000
	now = now.Add(time.Second)
	if b.reserve(ctx, 1) {
		t.Fatal("a byte over the budget was accepted after a refresh")
	}

	// A delivery empties the log; a refused append learns of it, at most
	// once per budgetRefreshEvery.
	log.size = 100
	asked := log.asked
	if b.reserve(ctx, 500) {
		t.Fatal("accepted before the refresh interval passed")
	}
	if log.asked != asked {
		t.Fatalf("asked JetStream %d times within the refresh interval", log.asked-asked)
	}
	now = now.Add(budgetRefreshEvery)
	if !b.reserve(ctx, 500) {
		t.Fatal("refused after the log shrank")
	}
	b.done(500)
	if b.stored != 600 || b.inflight != 0 {
		t.Fatalf("stored %d, in flight %d; want 600 and 0", b.stored, b.inflight)
	}
}

// On the embedded server the budget is kept in this process (the record
// log has no MaxBytes, so JetStream keeps its smaller blocks): appends are
// refused once it is full and accepted again once records are gone.
func TestEmbeddedDiskBudget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const budget = 64 << 10
	s := openTest(t, t.TempDir(), func(c *Config) { c.RecordMaxBytes = budget })
	defer s.Close()
	info, err := s.records.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxBytes != -1 {
		t.Fatalf("record log MaxBytes %d, want -1 (the budget is kept in process)", info.Config.MaxBytes)
	}

	group := make([]byte, 10<<10)
	appended := 0
	for ; appended < 100; appended++ {
		if _, err = s.AppendRecords(ctx, "u1", group); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrStorageFull) {
		t.Fatalf("after %d appends: %v, want ErrStorageFull", appended, err)
	}
	if info, err = s.records.Info(ctx); err != nil {
		t.Fatal(err)
	}
	if info.State.Bytes > budget {
		t.Fatalf("the log holds %d bytes, over its %d-byte budget", info.State.Bytes, budget)
	}
	if appended < 5 {
		t.Fatalf("only %d appends of %d bytes fit in %d bytes", appended, len(group), budget)
	}

	if err := s.PurgeRecords(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(budgetRefreshEvery)
	if _, err := s.AppendRecords(ctx, "u1", group); err != nil {
		t.Fatalf("append after the log was emptied: %v", err)
	}
}

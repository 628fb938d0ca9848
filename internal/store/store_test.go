package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

// openTest opens a store on dir; tweaks adjust its configuration.
func openTest(t *testing.T, dir string, tweaks ...func(*Config)) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := Config{DataDir: dir, RecordMaxAge: time.Hour}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	s, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBucketCompareAndSetSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	b, err := s.Bucket(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := b.Create(ctx, "a.b", []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(ctx, "a.b", []byte("again")); !errors.Is(err, kv.ErrExists) {
		t.Fatalf("create twice: %v", err)
	}
	rev2, err := b.Update(ctx, "a.b", []byte("two"), rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Update(ctx, "a.b", []byte("stale"), rev); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := b.Create(ctx, "a.c", []byte("three")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(ctx, "x.y", []byte("other")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openTest(t, dir)
	defer s.Close()
	b, err = s.Bucket(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	e, err := b.Get(ctx, "a.b")
	if err != nil || string(e.Value) != "two" || e.Revision != rev2 {
		t.Fatalf("after restart: %+v %v", e, err)
	}
	list, err := b.List(ctx, "a.")
	if err != nil || len(list) != 2 {
		t.Fatalf("list a.: %+v %v", list, err)
	}
	if err := b.Delete(ctx, "a.b", rev); !errors.Is(err, kv.ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := b.Delete(ctx, "a.b", rev2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "a.b"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if _, err := b.Create(ctx, "a.b", []byte("reborn")); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
	all, err := b.List(ctx, "")
	if err != nil || len(all) != 3 {
		t.Fatalf("list all: %d %v", len(all), err)
	}
}

func TestRecordLogAppendReadPurge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	var seqs []uint64
	for i := 0; i < 3; i++ {
		seq, err := s.AppendRecords(ctx, "s1", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if _, err := s.AppendRecords(ctx, "s2", []byte("other")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	groups, err := s.ReadRecords(ctx, "s1", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 {
		t.Fatalf("got %d groups, want 3", len(groups))
	}
	for i, g := range groups {
		if g.Sequence != seqs[i] || !bytes.Equal(g.Data, []byte{byte(i)}) {
			t.Fatalf("group %d = %+v", i, g)
		}
	}
	if err := s.PurgeRecords(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	groups, err = s.ReadRecords(ctx, "s1", 0, 10)
	if err != nil || len(groups) != 0 {
		t.Fatalf("after purge: %d %v", len(groups), err)
	}
	other, err := s.ReadRecords(ctx, "s2", 0, 10)
	if err != nil || len(other) != 1 {
		t.Fatalf("other stream: %d %v", len(other), err)
	}
}

package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestConsumerPayloadFromMemoryAndLog checks that the headers-only
// consumer hands out every stored group byte for byte, whether it comes
// from memory (stored by this process, not read yet) or from the record
// log (evicted, or handed out before).
func TestConsumerPayloadFromMemoryAndLog(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir(), RecordMaxAge: time.Hour, RecentBytes: 40},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// 40 bytes hold the first two; the third is not kept, nor is another
	// stream's group (no consumer of it is open here). The delivery
	// consumer of s1 opens before the groups are stored, as it does when
	// delivery keeps up.
	s.recent.reading("s1", 1)
	groups := [][]byte{
		bytes.Repeat([]byte("0"), 20),
		bytes.Repeat([]byte("1"), 20),
		bytes.Repeat([]byte("2"), 20),
	}
	for _, g := range groups {
		// AppendRecords keeps what it is given: pass a copy.
		if _, err := s.AppendRecords(ctx, "s1", bytes.Clone(g)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendRecords(ctx, "s2", []byte("another")); err != nil {
		t.Fatal(err)
	}
	if s.recent.bytes != 40 {
		t.Fatalf("%d bytes kept, want s1's first two groups", s.recent.bytes)
	}

	c, err := s.OpenConsumer(ctx, "s1", ConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range groups {
		if m := nextOrFail(t, c); !bytes.Equal(m.Data, g) {
			t.Fatalf("group %d = %q, want %q", i, m.Data, g)
		}
	}
	if hits, misses := s.RecentStats(); hits != 2 || misses != 1 {
		t.Fatalf("hits %d, misses %d; want 2 from memory and the one not kept from the log", hits, misses)
	}

	// Not acknowledged: a new consumer hands them out again from the
	// record log: the first through a lookup, which switches the consumer
	// to carrying payloads, the others with their payloads.
	c.Close()
	if c, err = s.OpenConsumer(ctx, "s1", ConsumerConfig{}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, g := range groups {
		if m := nextOrFail(t, c); !bytes.Equal(m.Data, g) {
			t.Fatalf("again, group %d = %q, want %q", i, m.Data, g)
		}
	}
	if hits, misses := s.RecentStats(); hits != 2 || misses != 2 {
		t.Fatalf("hits %d, misses %d after redelivery; want 2 and 2", hits, misses)
	}
	if c.headersOnly {
		t.Fatal("the consumer is still headers-only after a group missing from memory")
	}
	if s.recent.bytes != 0 {
		t.Fatalf("%d bytes still kept after every group was read", s.recent.bytes)
	}
}

// TestConsumerSwitchesModes checks that a consumer carries payloads from
// the first group missing from memory, goes back to headers-only once it
// has caught up, and hands out every group once, in order, with
// delivery numbers that run on across the switches.
func TestConsumerSwitchesModes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()

	const n = 4 + recentCaughtUp
	s.recent.reading("s1", 1) // as if a consumer were open
	var groups [][]byte
	for i := range n {
		g := []byte(strings.Repeat(string(rune('a'+i)), 10+i))
		groups = append(groups, g)
		if _, err := s.AppendRecords(ctx, "s1", bytes.Clone(g)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			s.recent.dropStream("s1") // as after a restart: the first two are only in the log
		}
	}
	c, err := s.OpenConsumer(ctx, "s1", ConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var modes []bool
	for i, g := range groups {
		m := nextOrFail(t, c)
		if !bytes.Equal(m.Data, g) || m.DeliverySeq != uint64(i+1) {
			t.Fatalf("message %d: %q delivery %d, want %q delivery %d", i, m.Data, m.DeliverySeq, g, i+1)
		}
		modes = append(modes, c.headersOnly)
	}
	// The first is looked up and switches; the second (not in memory
	// either) arrives with its payload, and so do the next ones, found in
	// memory too, until recentCaughtUp of them switch back.
	want := []bool{false}
	for i := 1; i < n; i++ {
		want = append(want, i >= 1+recentCaughtUp)
	}
	if fmt.Sprint(modes) != fmt.Sprint(want) {
		t.Fatalf("headers-only after each message: %v, want %v", modes, want)
	}
	if hits, misses := s.RecentStats(); hits != n-2-recentCaughtUp || misses != 1 {
		t.Fatalf("hits %d, misses %d; want %d and 1", hits, misses, n-2-recentCaughtUp)
	}
	if m, err := c.Next(ctx, 50*time.Millisecond); m != nil || err != nil {
		t.Fatalf("expected nothing more, got %v %v", m, err)
	}
	if s.recent.bytes != 0 {
		t.Fatalf("%d bytes still kept after every group was read", s.recent.bytes)
	}
}

func TestRecentGroupsBookkeeping(t *testing.T) {
	r := newRecentGroups(10)
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	if key := r.put("a", []byte("1")); key != "" {
		t.Fatal("a group of a stream nobody reads here was kept")
	}
	r.reading("a", 1)
	r.reading("b", 1)
	r.reading("b", 1)
	r.reading("b", -1)
	if key := r.put("a", make([]byte, 11)); key != "" {
		t.Fatalf("a group over the bound was kept as %q", key)
	}
	k1 := r.put("a", []byte("1111"))
	k2 := r.put("b", []byte("2222"))
	if k3 := r.put("a", []byte("3333")); k1 == k2 || k3 != "" || r.bytes != 8 {
		t.Fatalf("keys %q %q %q, %d bytes; want the third not kept (full, nothing old)", k1, k2, k3, r.bytes)
	}
	now = now.Add(recentMaxAge)
	k3 := r.put("a", []byte("3333")) // k1 is old enough to go
	if k3 == "" || k3 == k2 || r.bytes != 8 {
		t.Fatalf("key %q, %d bytes; want k1 dropped for k3", k3, r.bytes)
	}
	if _, ok := r.take(k1, "a", 4); ok {
		t.Fatal("the dropped group was handed out")
	}
	if _, ok := r.take(k2, "a", 4); ok {
		t.Fatal("stream b's group was handed to stream a")
	}
	if _, ok := r.take(k2, "b", 4); ok {
		t.Fatal("a group was handed out after a mismatched take dropped it")
	}
	k4 := r.put("a", []byte("4444"))
	if _, ok := r.take(k4, "a", 5); ok {
		t.Fatal("a group of the wrong size was handed out")
	}
	if d, ok := r.take(k3, "a", 4); !ok || string(d) != "3333" {
		t.Fatalf("take = %q %v", d, ok)
	}
	if _, ok := r.take(k3, "a", 4); ok {
		t.Fatal("a group was handed out twice")
	}
	k5 := r.put("a", []byte("55"))
	k6 := r.put("b", []byte("66"))
	r.forget(k6)
	r.dropStream("a")
	if _, ok := r.take(k5, "a", 2); ok || r.bytes != 0 || len(r.byKey) != 0 || r.order.Len() != 0 {
		t.Fatalf("after forget and dropStream: %d bytes, %d keys, %d in order", r.bytes, len(r.byKey), r.order.Len())
	}
	r.reading("b", -1)
	if key := r.put("b", []byte("7")); key != "" || len(r.readers) != 1 {
		t.Fatalf("kept %q for a stream whose consumers all closed; readers %v", key, r.readers)
	}
	if other := newRecentGroups(10); other.prefix == r.prefix {
		t.Fatal("two processes would share keys")
	}
}

package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func nextOrFail(t *testing.T, c *Consumer) *StoredMessage {
	t.Helper()
	m, err := c.Next(context.Background(), 10*time.Second)
	if err != nil || m == nil {
		t.Fatalf("next: %v %v", m, err)
	}
	return m
}

func TestConsumerInOrderAckThroughAndReset(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)

	var seqs []uint64
	for i := 0; i < 6; i++ {
		seq, err := s.AppendRecords(ctx, "s1", []byte(fmt.Sprintf("m%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
		// Another stream's messages interleave in the shared log.
		if _, err := s.AppendRecords(ctx, "s2", []byte("other")); err != nil {
			t.Fatal(err)
		}
	}

	c, err := s.OpenConsumer(ctx, "s1", ConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		m := nextOrFail(t, c)
		if m.Sequence != seqs[i] || string(m.Data) != fmt.Sprintf("m%d", i) {
			t.Fatalf("message %d = seq %d %q", i, m.Sequence, m.Data)
		}
	}
	// Acknowledge the first two as one batch.
	if err := c.AckThrough(ctx, seqs[1]); err != nil {
		t.Fatal(err)
	}
	// The client prefetched all six; the two acknowledged ones are no
	// longer pending.
	_, unacked, err := c.Pending(ctx)
	if err != nil || unacked != 4 {
		t.Fatalf("unacked after AckThrough = %d, %v; want 4", unacked, err)
	}
	c.Close()

	// Restart: messages 2 and 3 were handed out but never acknowledged;
	// the reopened consumer starts again at 2, in order, without waiting
	// for their ack deadline.
	s.Close()
	s = openTest(t, dir)
	defer s.Close()
	c, err = s.OpenConsumer(ctx, "s1", ConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 2; i < 6; i++ {
		m := nextOrFail(t, c)
		if m.Sequence != seqs[i] {
			t.Fatalf("after reset got seq %d, want %d", m.Sequence, seqs[i])
		}
	}
	if m, err := c.Next(ctx, 50*time.Millisecond); m != nil || err != nil {
		t.Fatalf("expected nothing more, got %v %v", m, err)
	}
	if err := c.AckThrough(ctx, seqs[5]); err != nil {
		t.Fatal(err)
	}
	left, err := s.ReadRecords(ctx, "s1", 0, 10)
	if err != nil || len(left) != 0 {
		t.Fatalf("s1 left after ack: %d %v", len(left), err)
	}
	other, err := s.ReadRecords(ctx, "s2", 0, 10)
	if err != nil || len(other) != 6 {
		t.Fatalf("s2 must be untouched: %d %v", len(other), err)
	}

	// New records after the acknowledgement still flow.
	seq, err := s.AppendRecords(ctx, "s1", []byte("late"))
	if err != nil {
		t.Fatal(err)
	}
	if m := nextOrFail(t, c); m.Sequence != seq || string(m.Data) != "late" {
		t.Fatalf("late message = %d %q", m.Sequence, m.Data)
	}
	if err := s.DeleteConsumer(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConsumer(ctx, "s1"); err != nil {
		t.Fatalf("deleting a missing consumer: %v", err)
	}
}

// TestConsumerMetadata checks what a StoredMessage says about itself, in
// both of the consumer's modes: the first message (stored before the
// consumer opened, so not in memory) switches it to carrying payloads.
func TestConsumerMetadata(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	defer s.Close()
	for i := 0; i < 2; i++ {
		if _, err := s.AppendRecords(ctx, "s1", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.OpenConsumer(ctx, "s1", ConsumerConfig{AckWait: time.Minute, MaxAckPending: 10, Prefetch: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		m := nextOrFail(t, c)
		if m.Delivered != 1 || m.Stored.IsZero() || m.DeliverySeq != uint64(i+1) || len(m.Data) != 1 || m.Data[0] != byte(i) {
			t.Fatalf("message %d: %+v", i, m)
		}
		if mode := c.headersOnly; mode {
			t.Fatalf("message %d: still headers-only after a group missing from memory", i)
		}
	}
}

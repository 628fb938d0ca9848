package kms

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

var (
	alice     = Caller{AccountID: "111111111111", Region: "us-east-1"}
	aliceWest = Caller{AccountID: "111111111111", Region: "us-west-2"}
	bob       = Caller{AccountID: "222222222222", Region: "us-east-1"}
)

// testClock is a settable clock safe for concurrent use.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	svc   *Service
	store *kv.Memory
	clock *testClock
	root  []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureWith(t, Config{})
}

func newFixtureWith(t testing.TB, cfg Config) *fixture {
	t.Helper()
	root := make([]byte, RootKeySize)
	for i := range root {
		root[i] = byte(i + 1)
	}
	store := kv.NewMemory()
	clock := &testClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	svc, err := NewService(cfg, store, root, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, clock: clock, root: root}
}

func (f *fixture) createKey(t *testing.T, c Caller) KeyMetadata {
	t.Helper()
	m, err := f.svc.CreateKey(context.Background(), c, CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return m
}

// wantErr asserts that err is a KMS error with the given code and, when
// msg is not empty, exactly that message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("got code %s (%q), want %s", e.Code, e.Message, code)
	}
	if msg != "" && e.Message != msg {
		t.Fatalf("got message %q, want %q", e.Message, msg)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

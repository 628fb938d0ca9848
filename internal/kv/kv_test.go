package kv

import (
	"context"
	"errors"
	"testing"
)

func TestToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"clicks", "clicks"},
		{"a.b", "a=2Eb"},
		{"a..b", "a=2E=2Eb"},
		{".x", "=2Ex"},
		{"", ""},
		{"us-east-1", "us-east-1"},
		{"alias/x", "alias=2Fx"},
	}
	for _, tt := range tests {
		if got := Token(tt.in); got != tt.want {
			t.Errorf("Token(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMemoryCompareAndSet(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	rev, err := m.Create(ctx, "a.b", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, "a.b", []byte("x")); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: got %v, want ErrExists", err)
	}
	rev2, err := m.Update(ctx, "a.b", []byte("2"), rev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update(ctx, "a.b", []byte("3"), rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: got %v, want ErrConflict", err)
	}
	e, err := m.Get(ctx, "a.b")
	if err != nil || string(e.Value) != "2" || e.Revision != rev2 {
		t.Fatalf("get = %+v, %v", e, err)
	}
	if err := m.Delete(ctx, "a.b", rev); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale delete: got %v", err)
	}
	if err := m.Delete(ctx, "a.b", rev2); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, "a.b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := m.Create(ctx, "bad..key", nil); err == nil {
		t.Fatal("invalid key accepted")
	}
}

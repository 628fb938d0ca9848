package kv

import (
	"context"
	"errors"
	"strings"
)

var (
	// ErrNotFound is returned by Get, Update and Delete when the key has no
	// live entry.
	ErrNotFound = errors.New("kv: key not found")
	// ErrExists is returned by Create when the key already has a live entry.
	ErrExists = errors.New("kv: key exists")
	// ErrConflict is returned by Update and Delete when the entry's revision
	// is no longer the one the caller read: someone else wrote in between.
	ErrConflict = errors.New("kv: revision conflict")
)

// Entry is one stored value and the revision it was stored at.
type Entry struct {
	Key      string
	Value    []byte
	Revision uint64
}

// Store is one bucket of the catalog.
//
// Keys are dot-separated tokens made of [A-Za-z0-9_=-]; build tokens from
// arbitrary text with Token. Revisions are positive and grow with every
// write to the bucket.
type Store interface {
	// Get returns the live entry for key, or ErrNotFound.
	Get(ctx context.Context, key string) (Entry, error)
	// Create stores value only if key has no live entry (ErrExists
	// otherwise) and returns the new revision.
	Create(ctx context.Context, key string, value []byte) (uint64, error)
	// Update replaces the entry only if its revision is still revision
	// (ErrConflict otherwise, ErrNotFound if it was deleted) and returns the
	// new revision.
	Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error)
	// Delete removes the entry only if its revision is still revision
	// (ErrConflict otherwise). Deleting a missing key returns ErrNotFound.
	Delete(ctx context.Context, key string, revision uint64) error
	// List returns every live entry whose key starts with prefix, in no
	// particular order. An empty prefix lists the whole bucket.
	List(ctx context.Context, prefix string) ([]Entry, error)
}

// Token turns arbitrary text into one key token. Letters, digits, '_' and
// '-' pass through; every other byte becomes "=XX" (upper-case hex), so the
// mapping is reversible and never produces '.', which separates tokens.
func Token(s string) string {
	if isPlain(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plainByte(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}

// Key joins already-built tokens into a key.
func Key(tokens ...string) string { return strings.Join(tokens, ".") }

func isPlain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !plainByte(s[i]) {
			return false
		}
	}
	return true
}

func plainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

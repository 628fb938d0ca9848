package kv

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// validKey is the key syntax JetStream accepts; Memory enforces it too so
// that unit tests catch keys the real store would refuse.
var validKey = regexp.MustCompile(`^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$`)

// Memory is an in-memory Store with the same semantics as the JetStream one.
// It is meant for unit tests of the domain packages.
type Memory struct {
	mu       sync.Mutex
	revision uint64
	entries  map[string]Entry
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{entries: make(map[string]Entry)} }

var _ Store = (*Memory)(nil)

func (m *Memory) Get(_ context.Context, key string) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return Entry{}, ErrNotFound
	}
	return copyEntry(e), nil
}

func (m *Memory) Create(_ context.Context, key string, value []byte) (uint64, error) {
	if !validKey.MatchString(key) {
		return 0, fmt.Errorf("kv: invalid key %q", key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; ok {
		return 0, ErrExists
	}
	return m.put(key, value), nil
}

func (m *Memory) Update(_ context.Context, key string, value []byte, revision uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return 0, ErrNotFound
	}
	if e.Revision != revision {
		return 0, ErrConflict
	}
	return m.put(key, value), nil
}

func (m *Memory) Delete(_ context.Context, key string, revision uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return ErrNotFound
	}
	if e.Revision != revision {
		return ErrConflict
	}
	delete(m.entries, key)
	m.revision++
	return nil
}

func (m *Memory) List(_ context.Context, prefix string) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for k, e := range m.entries {
		if strings.HasPrefix(k, prefix) {
			out = append(out, copyEntry(e))
		}
	}
	return out, nil
}

func (m *Memory) put(key string, value []byte) uint64 {
	m.revision++
	m.entries[key] = Entry{Key: key, Value: append([]byte(nil), value...), Revision: m.revision}
	return m.revision
}

func copyEntry(e Entry) Entry {
	e.Value = append([]byte(nil), e.Value...)
	return e
}

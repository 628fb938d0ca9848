package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluicehq/sluice/internal/kv"
)

// Bucket is a JetStream key-value bucket seen through kv.Store. Every write
// is a compare-and-set on the bucket's per-key last sequence.
type Bucket struct {
	kv jetstream.KeyValue
}

var _ kv.Store = (*Bucket)(nil)

func (b *Bucket) Get(ctx context.Context, key string) (kv.Entry, error) {
	e, err := b.kv.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			return kv.Entry{}, kv.ErrNotFound
		}
		return kv.Entry{}, fmt.Errorf("store: get %s: %w", key, err)
	}
	return kv.Entry{Key: key, Value: e.Value(), Revision: e.Revision()}, nil
}

func (b *Bucket) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := b.kv.Create(ctx, key, value)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return 0, kv.ErrExists
		}
		return 0, fmt.Errorf("store: create %s: %w", key, err)
	}
	return rev, nil
}

func (b *Bucket) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	rev, err := b.kv.Update(ctx, key, value, revision)
	if err != nil {
		// On a single replica a CAS conflict also matches ErrKeyExists, so
		// test the specific error first.
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			return 0, kv.ErrConflict
		}
		return 0, fmt.Errorf("store: update %s: %w", key, err)
	}
	return rev, nil
}

func (b *Bucket) Delete(ctx context.Context, key string, revision uint64) error {
	if _, err := b.Get(ctx, key); err != nil {
		return err
	}
	err := b.kv.Delete(ctx, key, jetstream.LastRevision(revision))
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			return kv.ErrConflict
		}
		return fmt.Errorf("store: delete %s: %w", key, err)
	}
	return nil
}

// List reads the current values through a watcher, which delivers every
// live entry in one pass instead of one Get per key.
func (b *Bucket) List(ctx context.Context, prefix string) ([]kv.Entry, error) {
	filter := ">"
	if strings.HasSuffix(prefix, ".") {
		filter = prefix + ">"
	}
	w, err := b.kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", prefix, err)
	}
	defer func() { _ = w.Stop() }()
	var out []kv.Entry
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return out, nil
			}
			if e == nil { // end of the initial values
				return out, nil
			}
			if strings.HasPrefix(e.Key(), prefix) {
				out = append(out, kv.Entry{Key: e.Key(), Value: e.Value(), Revision: e.Revision()})
			}
		}
	}
}

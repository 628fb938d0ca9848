package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

// Leases make sure one runner at a time delivers a stream, across all the
// nodes sharing a record log: the runner resets the stream's consumer and
// acknowledges whole prefixes of its records, which is only safe for a
// single reader. A lease is one key of the delivery bucket naming its node
// and expiry; it is taken and renewed with compare-and-set, so two nodes
// never both hold it. A node restarting takes its own lease back at once.
type leases struct {
	kv   kv.Store
	node string
	ttl  time.Duration
	now  func() time.Time
}

type leaseValue struct {
	Node  string `json:"node"`
	Until int64  `json:"until"` // Unix ms
}

// errLeaseLost means another node took the lease (ours had expired).
var errLeaseLost = errors.New("delivery: lease lost")

func leaseKey(uid string) string { return kv.Key("lease", kv.Token(uid)) }

func (l *leases) value() []byte {
	raw, _ := json.Marshal(leaseValue{Node: l.node, Until: l.now().Add(l.ttl).UnixMilli()})
	return raw
}

// acquire takes the stream's lease if it is free, expired or already ours.
// It returns the revision to renew, or ok=false when another node holds it.
func (l *leases) acquire(ctx context.Context, uid string) (rev uint64, ok bool, err error) {
	key := leaseKey(uid)
	e, err := l.kv.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		rev, err = l.kv.Create(ctx, key, l.value())
		if errors.Is(err, kv.ErrExists) {
			return 0, false, nil
		}
		return rev, err == nil, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("delivery: read lease of %s: %w", uid, err)
	}
	var cur leaseValue
	if json.Unmarshal(e.Value, &cur) == nil && cur.Node != l.node && cur.Until > l.now().UnixMilli() {
		return 0, false, nil
	}
	rev, err = l.kv.Update(ctx, key, l.value(), e.Revision)
	if errors.Is(err, kv.ErrConflict) || errors.Is(err, kv.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("delivery: take lease of %s: %w", uid, err)
	}
	return rev, true, nil
}

// renew extends a held lease. errLeaseLost means it is no longer ours.
func (l *leases) renew(ctx context.Context, uid string, rev uint64) (uint64, error) {
	next, err := l.kv.Update(ctx, leaseKey(uid), l.value(), rev)
	if errors.Is(err, kv.ErrConflict) || errors.Is(err, kv.ErrNotFound) {
		return 0, errLeaseLost
	}
	if err != nil {
		return rev, fmt.Errorf("delivery: renew lease of %s: %w", uid, err)
	}
	return next, nil
}

// release gives a lease up so another node need not wait for it to expire.
func (l *leases) release(ctx context.Context, uid string, rev uint64) {
	_ = l.kv.Delete(ctx, leaseKey(uid), rev)
}

// NodeIDFile is the file in the data directory that names this node for
// delivery leases.
const NodeIDFile = "node-id"

// LoadNodeID returns this node's id, kept in dataDir so a restarted node
// takes its own leases back at once; it is created on first use.
func LoadNodeID(dataDir string) (string, error) {
	p := filepath.Join(dataDir, NodeIDFile)
	raw, err := os.ReadFile(p)
	if err == nil {
		if id := strings.TrimSpace(string(raw)); id != "" {
			return id, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("delivery: read node id: %w", err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("delivery: node id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("delivery: node id: %w", err)
	}
	if err := os.WriteFile(p, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("delivery: write node id: %w", err)
	}
	return id, nil
}

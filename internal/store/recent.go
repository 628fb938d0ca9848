package store

import (
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"time"
)

// recentHeader carries a stored group's key in this process's memory.
const recentHeader = "Sluice-Recent"

// Fresh record groups go from ingest to delivery in memory.
//
// Every stored record group used to travel back out of JetStream to its
// delivery consumer: read from the block cache, queued to the client,
// copied through the in-process connection and parsed into a new buffer,
// about a third of what JetStream cost per record. The delivery consumer
// is headers-only instead: JetStream still says which messages exist and
// in what order (it stays the only source of truth, so ordering,
// redelivery and multi-node work as before), and the payload comes from
// here when this process stored it recently. Anything else (after a
// restart, a group another node stored, or one not kept because delivery
// fell behind) comes from the record log: the consumer switches to
// carrying payloads until it has caught up (consumer.go).
//
// Each group is handed out once: take removes it, so the memory held here
// is only that of groups stored and not yet read by their consumer,
// bounded by maxBytes. When that is reached, new groups are not kept (the
// consumer reads them from the log later) rather than old ones dropped:
// the oldest are the ones the consumer needs next, and dropping them
// would turn a short lag (an object being synced) into a switch to the
// costlier mode for every group that follows. Only
// groups nobody took for recentMaxAge (a consumer that stopped) are dropped
// to make room. Groups of streams with no delivery consumer open in this
// process (another node delivers them, or their destination has no
// delivery yet) are not kept at all.
//
// Groups are kept under a key of this process (a random prefix and a
// counter), sent along in a header of the stored message, not under their
// sequence: the sequence is only known once JetStream acknowledges the
// publish, and the consumer may be handed the message before that. The key
// is put before publishing, so the consumer always finds it; a key of
// another process (another node, or before a restart) is simply not here.

// recentMaxAge is how long a group may wait for its consumer before it
// may be dropped to make room.
const recentMaxAge = 10 * time.Second

// DefaultRecentBytes bounds the groups kept for delivery. It replaces the
// consumer's prefetch buffer, which held up to twice MaxMessageBytes of
// payloads before the consumer became headers-only.
const DefaultRecentBytes = 2 * MaxMessageBytes

type recentGroups struct {
	prefix   string // this process's, so keys never repeat across restarts
	mu       sync.Mutex
	next     uint64
	maxBytes int
	bytes    int
	byKey    map[string]*list.Element
	order    list.List // of *recentGroup, oldest first
	now      func() time.Time
	readers  map[string]int // stream uid → delivery consumers open here

	hits, misses uint64
}

type recentGroup struct {
	key  string
	uid  string
	data []byte
	put  time.Time
}

func newRecentGroups(maxBytes int) *recentGroups {
	var id [8]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	return &recentGroups{prefix: hex.EncodeToString(id[:]) + "-", maxBytes: maxBytes,
		byKey: make(map[string]*list.Element), now: time.Now, readers: make(map[string]int)}
}

// put keeps data, a record group about to be stored for stream uid, and
// returns the key to send along with it ("" when it is not kept). The
// caller gives data up: it must not change it afterwards unless it
// forgets the key first.
func (r *recentGroups) put(uid string, data []byte) string {
	if len(data) > r.maxBytes {
		return ""
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.readers[uid] == 0 {
		return ""
	}
	for r.bytes+len(data) > r.maxBytes {
		oldest := r.order.Front()
		if oldest == nil || now.Sub(oldest.Value.(*recentGroup).put) < recentMaxAge {
			return ""
		}
		r.removeLocked(oldest)
	}
	r.next++
	key := r.prefix + strconv.FormatUint(r.next, 10)
	r.byKey[key] = r.order.PushBack(&recentGroup{key: key, uid: uid, data: data, put: now})
	r.bytes += len(data)
	return key
}

// reading notes that a delivery consumer of stream uid opened (+1) or
// closed (-1) in this process.
func (r *recentGroups) reading(uid string, delta int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.readers[uid] += delta; r.readers[uid] <= 0 {
		delete(r.readers, uid)
	}
}

// forget drops key (its group was not stored after all).
func (r *recentGroups) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.byKey[key]; ok {
		r.removeLocked(e)
	}
}

// take returns and forgets the group kept under key, if it is here,
// belongs to stream uid and has the size JetStream reports for it.
func (r *recentGroups) take(key, uid string, size int) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.byKey[key]
	if !ok {
		return nil, false
	}
	g := r.removeLocked(e)
	if g.uid != uid || len(g.data) != size {
		return nil, false
	}
	return g.data, true
}

// count records where a headers-only consumer found a payload: in memory
// (hit) or in the record log.
func (r *recentGroups) count(hit bool) {
	r.mu.Lock()
	if hit {
		r.hits++
	} else {
		r.misses++
	}
	r.mu.Unlock()
}

// dropStream forgets every group of stream uid (it was deleted).
func (r *recentGroups) dropStream(uid string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for e := r.order.Front(); e != nil; {
		next := e.Next()
		if e.Value.(*recentGroup).uid == uid {
			r.removeLocked(e)
		}
		e = next
	}
}

func (r *recentGroups) removeLocked(e *list.Element) *recentGroup {
	g := r.order.Remove(e).(*recentGroup)
	delete(r.byKey, g.key)
	r.bytes -= len(g.data)
	return g
}

// RecentStats says how many stored groups headers-only delivery consumers
// found in memory (hits) and had to read from the record log (misses)
// since the store opened.
func (s *Store) RecentStats() (hits, misses uint64) {
	s.recent.mu.Lock()
	defer s.recent.mu.Unlock()
	return s.recent.hits, s.recent.misses
}

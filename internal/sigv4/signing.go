package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// deriveSigningKey runs the SigV4 key derivation chain:
// kDate = HMAC("AWS4"+secret, date), kRegion, kService, kSigning = HMAC(kService, "aws4_request").
func deriveSigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

// signature returns the hex HMAC-SHA256 of the string to sign under the signing key.
func signature(signingKey []byte, sts string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, sts))
}

// keyCache holds derived signing keys. A signing key depends only on the secret, the day, the
// region and the service, so under load (thousands of PutRecordBatch calls a second from a
// handful of clients) almost every request would otherwise repeat the same four HMACs.
//
// The cache is bounded; when it is full it is emptied rather than managed entry by entry.
// Entries live a day at most and there are few active keys, so a reset costs one derivation per
// active key, and the simple form has no eviction bookkeeping on the hot path. The secret is
// part of the cache key, so a rotated secret never matches an old entry.
type keyCache struct {
	mu  sync.RWMutex
	max int
	m   map[keyCacheKey][]byte
}

type keyCacheKey struct {
	secret, date, region, service string
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: max, m: make(map[keyCacheKey][]byte)}
}

// signingKey returns the derived key, from the cache when possible. The returned slice is
// shared: callers must not modify it.
func (c *keyCache) signingKey(secret, date, region, service string) []byte {
	k := keyCacheKey{secret, date, region, service}
	c.mu.RLock()
	key, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return key
	}
	key = deriveSigningKey(secret, date, region, service)
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
}

// len reports the number of cached keys, for tests.
func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

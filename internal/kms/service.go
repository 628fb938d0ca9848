package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

// RootKeySize is the size of the root key in bytes (AES-256).
const RootKeySize = 32

// materialSize is the size of a symmetric key's material (AES-256).
const materialSize = 32

// Config tunes a Service. Zero values mean the AWS defaults.
type Config struct {
	// Partition is the ARN partition, "aws" by default.
	Partition string
	// MaxKeysPerRegion is the key quota per account and region (AWS:
	// 100,000). Checking it lists the region's keys; a negative value turns
	// the check off.
	MaxKeysPerRegion int
	// MaxAliasesPerKey is the alias quota per key (AWS: 50).
	MaxAliasesPerKey int
	// MaxGrantsPerKey is the grant quota per key (AWS: 50,000).
	MaxGrantsPerKey int
	// MaxTagsPerKey is the tag quota per key (AWS: 50).
	MaxTagsPerKey int
	// CacheEntries bounds the in-memory cache of decoded keys and their
	// unwrapped material (default 4096).
	CacheEntries int
}

func (c Config) withDefaults() Config {
	if c.Partition == "" {
		c.Partition = "aws"
	}
	if c.MaxKeysPerRegion == 0 {
		c.MaxKeysPerRegion = 100_000
	}
	if c.MaxAliasesPerKey == 0 {
		c.MaxAliasesPerKey = 50
	}
	if c.MaxGrantsPerKey == 0 {
		c.MaxGrantsPerKey = 50_000
	}
	if c.MaxTagsPerKey == 0 {
		c.MaxTagsPerKey = 50
	}
	if c.CacheEntries <= 0 {
		c.CacheEntries = 4096
	}
	return c
}

// Service is the built-in KMS. It is safe for concurrent use, and several
// Services (on several nodes) may share one catalog.
type Service struct {
	cfg   Config
	store kv.Store
	clock func() time.Time

	// Keys derived from the root key, one per purpose, so that no two
	// uses ever share a key.
	wrap          cipher.AEAD // wraps key material in the catalog
	tokenKey      []byte      // authenticates grant tokens
	materialIDKey []byte      // derives KeyMaterialId from material

	mu    sync.Mutex // guards cache and every cachedKey.aead
	cache map[string]*cachedKey
}

// cachedKey is a key record decoded at one catalog revision. Any write to
// the key (a state change, a tag, anything) gives it a new revision, so a
// stale entry is never used: it is replaced on the next read.
type cachedKey struct {
	path string
	rev  uint64
	rec  *keyRecord // read-only once cached
	arn  string
	aead cipher.AEAD // the unwrapped material, built on first use
}

// NewService builds a Service over store. rootKey (RootKeySize bytes, see
// LoadOrCreateRootKey) protects all key material; losing it loses every key.
// clock may be nil (time.Now).
func NewService(cfg Config, store kv.Store, rootKey []byte, clock func() time.Time) (*Service, error) {
	if store == nil {
		return nil, errors.New("kms: nil catalog store")
	}
	if len(rootKey) != RootKeySize {
		return nil, fmt.Errorf("kms: root key is %d bytes, want %d", len(rootKey), RootKeySize)
	}
	if clock == nil {
		clock = time.Now
	}
	wrapKey, err := hkdf.Key(sha256.New, rootKey, nil, "sluice kms key-material wrap v1", 32)
	if err != nil {
		return nil, fmt.Errorf("kms: derive wrap key: %w", err)
	}
	wrap, err := newGCM(wrapKey)
	if err != nil {
		return nil, err
	}
	tokenKey, err := hkdf.Key(sha256.New, rootKey, nil, "sluice kms grant-token v1", 32)
	if err != nil {
		return nil, fmt.Errorf("kms: derive token key: %w", err)
	}
	materialIDKey, err := hkdf.Key(sha256.New, rootKey, nil, "sluice kms key-material-id v1", 32)
	if err != nil {
		return nil, fmt.Errorf("kms: derive material id key: %w", err)
	}
	return &Service{
		cfg:           cfg.withDefaults(),
		store:         store,
		clock:         clock,
		wrap:          wrap,
		tokenKey:      tokenKey,
		materialIDKey: materialIDKey,
		cache:         make(map[string]*cachedKey),
	}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("kms: aes: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("kms: gcm: %w", err)
	}
	return gcm, nil
}

func (s *Service) now() time.Time { return s.clock() }

// getKey loads a live key of the caller's region by id. A key whose
// deletion date has passed is reported missing (and purged on the way).
func (s *Service) getKey(ctx context.Context, c Caller, keyID string) (*cachedKey, error) {
	path := keyPath(c, keyID)
	e, err := s.store.Get(ctx, path)
	if errors.Is(err, kv.ErrNotFound) {
		s.evict(path)
		return nil, keyNotFound(s.keyARN(c, keyID))
	}
	if err != nil {
		return nil, storeErr("get key "+keyID, err)
	}
	ck, err := s.cached(e)
	if err != nil {
		return nil, err
	}
	if ck.rec.expired(s.now()) {
		// Lazy deletion: nobody can use the key any more, so clear it out
		// now; failures are harmless because PurgeExpired retries.
		_ = s.purgeKey(ctx, c, keyID, s.now())
		return nil, keyNotFound(ck.arn)
	}
	return ck, nil
}

// cached returns the decoded record of e, from the cache when the cached
// revision is e's.
func (s *Service) cached(e kv.Entry) (*cachedKey, error) {
	s.mu.Lock()
	ck := s.cache[e.Key]
	s.mu.Unlock()
	if ck != nil && ck.rev == e.Revision {
		return ck, nil
	}
	rec, err := decodeRecord[keyRecord](e)
	if err != nil {
		return nil, err
	}
	ck = &cachedKey{path: e.Key, rev: e.Revision, rec: rec, arn: s.keyARN(rec.caller(), rec.KeyID)}
	s.mu.Lock()
	if old := s.cache[e.Key]; old == nil || old.rev < e.Revision {
		if old == nil && len(s.cache) >= s.cfg.CacheEntries {
			for k := range s.cache { // evict an arbitrary entry
				delete(s.cache, k)
				break
			}
		}
		s.cache[e.Key] = ck
	}
	s.mu.Unlock()
	return ck, nil
}

func (s *Service) evict(path string) {
	s.mu.Lock()
	delete(s.cache, path)
	s.mu.Unlock()
}

// resolve finds the key a KeyId input names (see parseKeyRef for the forms
// accepted).
func (s *Service) resolve(ctx context.Context, c Caller, raw string, allowAlias bool) (*cachedKey, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	ref, err := s.parseKeyRef(c, raw, allowAlias)
	if err != nil {
		return nil, err
	}
	if ref.aliasName == "" {
		return s.getKey(ctx, c, ref.keyID)
	}
	a, _, err := s.getAlias(ctx, c, ref.aliasName)
	if err != nil {
		return nil, err
	}
	ck, err := s.getKey(ctx, c, a.TargetKeyID)
	if CodeOf(err) == CodeNotFound {
		// The alias outlived its key (deleted moments ago, or left over
		// from an interrupted purge): it is as good as gone.
		return nil, aliasNotFound(s.aliasARN(c, ref.aliasName))
	}
	return ck, err
}

// keyAEAD returns the AES-256-GCM instance of a symmetric key's material,
// unwrapping it on first use. The plaintext material lives only inside
// the cipher and never leaves this process.
func (s *Service) keyAEAD(ck *cachedKey) (cipher.AEAD, error) {
	s.mu.Lock()
	a := ck.aead
	s.mu.Unlock()
	if a != nil {
		return a, nil
	}
	material, err := s.unwrapMaterial(ck.rec)
	if err != nil {
		return nil, err
	}
	a, err = newGCM(material)
	clear(material)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	ck.aead = a
	s.mu.Unlock()
	return a, nil
}

// materialAAD binds wrapped material to its key, so that material copied
// into another key's record does not unwrap.
func materialAAD(accountID, region, keyID string) []byte {
	return []byte("sluice-kms-material-v1\x00" + accountID + "\x00" + region + "\x00" + keyID)
}

func (s *Service) wrapMaterial(c Caller, keyID string, material []byte) ([]byte, error) {
	nonce := make([]byte, s.wrap.NonceSize(), s.wrap.NonceSize()+len(material)+s.wrap.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("kms: wrap nonce: %w", err)
	}
	return s.wrap.Seal(nonce, nonce, material, materialAAD(c.AccountID, c.Region, keyID)), nil
}

func (s *Service) unwrapMaterial(rec *keyRecord) ([]byte, error) {
	ns := s.wrap.NonceSize()
	if len(rec.Material) < ns {
		return nil, fmt.Errorf("kms: key %s has no key material", rec.KeyID)
	}
	m, err := s.wrap.Open(nil, rec.Material[:ns], rec.Material[ns:], materialAAD(rec.AccountID, rec.Region, rec.KeyID))
	if err != nil {
		// Either the catalog was tampered with or the root key is not the
		// one the key was created under.
		return nil, fmt.Errorf("kms: unwrap material of key %s (wrong root key?): %w", rec.KeyID, err)
	}
	return m, nil
}

// materialID derives the public KeyMaterialId of a key's material. It is
// keyed by the root key so that it says nothing about the material.
func (s *Service) materialID(keyID string, material []byte) string {
	m := hmac.New(sha256.New, s.materialIDKey)
	m.Write([]byte(keyID))
	m.Write([]byte{0})
	m.Write(material)
	return hex.EncodeToString(m.Sum(nil))
}

package bucketstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/sluicehq/sluice/internal/destination"
)

// Config says where the store keeps its files.
type Config struct {
	// Dir is the store's root, normally <data-dir>/buckets.
	Dir string
}

// Store is the built-in bucket store. It is safe for concurrent use.
type Store struct {
	dir  string
	root *os.Root
	log  *slog.Logger
	// layout serialises the steps that create or remove directories
	// (making a key's folders and renaming the object into place, against
	// removing the empty folders a deleted object leaves), so a delete
	// never removes a folder a put is about to use. File contents are
	// written outside it.
	layout sync.Mutex
}

var _ destination.ObjectStore = (*Store)(nil)

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
	ETag    string // quoted, as S3 sends it
}

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name    string
	Created time.Time
}

// New opens (creating it if needed) the store under cfg.Dir and removes
// the temporary files a crash may have left.
func New(cfg Config, log *slog.Logger) (*Store, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("bucketstore: create %s: %w", cfg.Dir, err)
	}
	root, err := os.OpenRoot(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("bucketstore: open %s: %w", cfg.Dir, err)
	}
	s := &Store{dir: cfg.Dir, root: root, log: log}
	if err := root.RemoveAll(tmpDir); err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("bucketstore: clear temporary files: %w", err)
	}
	if err := root.Mkdir(tmpDir, 0o700); err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("bucketstore: create temporary directory: %w", err)
	}
	return s, nil
}

// Dir is the store's root directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the store's root directory.
func (s *Store) Close() error { return s.root.Close() }

func checkNames(account, bucket string) error {
	if !validAccount(account) {
		return fmt.Errorf("bucketstore: account %q: %w", account, ErrAccessDenied)
	}
	if !validBucket(bucket) {
		return fmt.Errorf("bucketstore: bucket %q: %w", bucket, ErrInvalidBucketName)
	}
	return nil
}

func checkKey(bucket, key string) error {
	if len(key) > maxKeyBytes {
		return fmt.Errorf("bucketstore: key in %s: %w", bucket, ErrKeyTooLong)
	}
	if !validKey(key) {
		return fmt.Errorf("bucketstore: key %q in %s: %w", key, bucket, ErrInvalidKey)
	}
	return nil
}

// PutObject stores an object atomically and durably, creating its bucket
// if it does not exist yet (delivery streams name their bucket by ARN;
// nobody has to create it first). The SSE-KMS request of obj is accepted
// and not applied: files in the data directory are not encrypted by this
// store.
func (s *Store) PutObject(ctx context.Context, obj destination.Object) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkNames(obj.Account, obj.Bucket); err != nil {
		return err
	}
	if err := checkKey(obj.Bucket, obj.Key); err != nil {
		return err
	}
	tmp, err := s.writeTemp(obj.Body, obj.XXH64)
	if err != nil {
		return fmt.Errorf("bucketstore: put %s/%s: %w", obj.Bucket, obj.Key, err)
	}
	if err := s.install(tmp, objectPath(obj.Account, obj.Bucket, obj.Key)); err != nil {
		_ = s.root.Remove(tmp)
		return fmt.Errorf("bucketstore: put %s/%s: %w", obj.Bucket, obj.Key, err)
	}
	return nil
}

// writeTemp writes body to a new temporary file, with its ETag, and syncs
// it. sum is the body's hash when the caller has it already.
func (s *Store) writeTemp(body []byte, sum *uint64) (string, error) {
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	name := tmpDir + "/" + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	etag, err := writeHashed(f, body, sum)
	if err == nil {
		setETag(f, etag)
		if err = f.Sync(); err == nil {
			dropCache(f)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = s.root.Remove(name)
		return "", err
	}
	return name, nil
}

// writeHashed writes body to f and returns its ETag, the xxHash64 of
// body: sum when the caller computed it already (delivery hashes objects
// as it builds them), else computed here. The part that goes to the disk
// directly (direct_linux.go) is hashed first; the rest is hashed chunk by
// chunk right after writing, while the chunk is still in the CPU's cache.
// A separate pass over a multi-megabyte object would read it from memory
// again.
func writeHashed(f *os.File, body []byte, sum *uint64) (etag string, err error) {
	const chunk = 256 << 10
	d := xxhash.New()
	hash := func(p []byte) {
		if sum == nil {
			_, _ = d.Write(p)
		}
	}
	direct := body[:directPrefix(body)]
	hash(direct)
	written := writeDirect(f, direct)
	if _, err := f.Write(direct[written:]); err != nil {
		return "", err
	}
	for rest := body[len(direct):]; len(rest) > 0; {
		n := min(chunk, len(rest))
		if _, err := f.Write(rest[:n]); err != nil {
			return "", err
		}
		hash(rest[:n])
		rest = rest[n:]
	}
	if sum != nil {
		return formatETag(*sum), nil
	}
	return formatETag(d.Sum64()), nil
}

// install moves a synced temporary file to its key's path, creating the
// folders it needs, and syncs every directory whose entries changed so the
// new name survives a crash.
func (s *Store) install(tmp, dst string) error {
	s.layout.Lock()
	defer s.layout.Unlock()
	parent := path.Dir(dst)
	// Find the deepest folder that exists already: it and every folder
	// created below it gain an entry.
	existing := parent
	for existing != "." {
		if fi, err := s.root.Stat(filepath.FromSlash(existing)); err == nil {
			if !fi.IsDir() {
				return ErrKeyConflict
			}
			break
		}
		existing = path.Dir(existing)
	}
	if err := s.root.MkdirAll(filepath.FromSlash(parent), 0o755); err != nil {
		if isNotDir(err) {
			return ErrKeyConflict
		}
		return err
	}
	if fi, err := s.root.Lstat(filepath.FromSlash(dst)); err == nil && fi.IsDir() {
		return ErrKeyConflict
	}
	if err := s.root.Rename(tmp, filepath.FromSlash(dst)); err != nil {
		return err
	}
	dirs := []string{parent}
	for d := parent; d != existing && d != "."; {
		d = path.Dir(d)
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := s.syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(filepath.FromSlash(dir))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func isNotDir(err error) bool {
	return errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EEXIST)
}

// CreateBucket makes an empty bucket.
func (s *Store) CreateBucket(account, bucket string) error {
	if err := checkNames(account, bucket); err != nil {
		return err
	}
	s.layout.Lock()
	defer s.layout.Unlock()
	if err := s.root.MkdirAll(account, 0o755); err != nil {
		return fmt.Errorf("bucketstore: create bucket %s: %w", bucket, err)
	}
	err := s.root.Mkdir(filepath.FromSlash(account+"/"+bucket), 0o755)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("bucketstore: create bucket %s: %w", bucket, ErrBucketAlreadyOwnedByYou)
	}
	if err != nil {
		return fmt.Errorf("bucketstore: create bucket %s: %w", bucket, err)
	}
	return s.syncDir(account)
}

// HeadBucket reports whether a bucket exists (nil) or not (ErrNoSuchBucket).
func (s *Store) HeadBucket(account, bucket string) error {
	if err := checkNames(account, bucket); err != nil {
		return err
	}
	fi, err := s.root.Stat(filepath.FromSlash(account + "/" + bucket))
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("bucketstore: bucket %s: %w", bucket, ErrNoSuchBucket)
	}
	return nil
}

// DeleteBucket removes an empty bucket.
func (s *Store) DeleteBucket(account, bucket string) error {
	if err := s.HeadBucket(account, bucket); err != nil {
		return err
	}
	s.layout.Lock()
	defer s.layout.Unlock()
	err := s.root.Remove(filepath.FromSlash(account + "/" + bucket))
	if err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return fmt.Errorf("bucketstore: delete bucket %s: %w", bucket, ErrBucketNotEmpty)
		}
		return fmt.Errorf("bucketstore: delete bucket %s: %w", bucket, err)
	}
	return nil
}

// ListBuckets lists an account's buckets by name. A bucket's creation time
// is its folder's modification time (the store keeps no metadata files).
func (s *Store) ListBuckets(account string) ([]BucketInfo, error) {
	if !validAccount(account) {
		return nil, ErrAccessDenied
	}
	d, err := s.root.Open(account)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bucketstore: list buckets: %w", err)
	}
	entries, err := d.ReadDir(-1)
	_ = d.Close()
	if err != nil {
		return nil, fmt.Errorf("bucketstore: list buckets: %w", err)
	}
	var out []BucketInfo
	for _, e := range entries {
		if !e.IsDir() || !validBucket(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BucketInfo{Name: e.Name(), Created: info.ModTime().UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// OpenObject opens an object for reading. The caller closes the file.
func (s *Store) OpenObject(account, bucket, key string) (*os.File, ObjectInfo, error) {
	if err := s.HeadBucket(account, bucket); err != nil {
		return nil, ObjectInfo{}, err
	}
	if err := checkKey(bucket, key); err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("bucketstore: get %s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	f, err := s.root.Open(filepath.FromSlash(objectPath(account, bucket, key)))
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("bucketstore: get %s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("bucketstore: get %s/%s: %w", bucket, key, ErrNoSuchKey)
	}
	etag, err := fileETag(f)
	if err != nil {
		_ = f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("bucketstore: get %s/%s: %w", bucket, key, err)
	}
	return f, ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC(), ETag: etag}, nil
}

// fileETag returns the object's stored ETag, or computes the ETag of a file
// that has none (placed there by hand, or on a file system without user
// extended attributes) and tries to store it.
func fileETag(f *os.File) (string, error) {
	if etag := getETag(f); etag != "" {
		return etag, nil
	}
	h := xxhash.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := formatETag(h.Sum64())
	setETag(f, etag)
	return etag, nil
}

// formatETag makes an object's ETag from the 64-bit xxHash of its content:
// not an MD5. MD5 cost the server a sixth of its CPU under full ingest load (it runs at
// about 0.5 GB/s a core; xxHash at over 10). S3 itself promises an MD5
// ETag only for single-part unencrypted uploads, and the "-1" suffix says
// "not an MD5" the way multipart ETags do, so clients that check MD5s
// against ETags skip the check instead of reporting corruption.
func formatETag(sum uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], sum)
	return `"` + hex.EncodeToString(b[:]) + `-1"`
}

// DeleteObject removes an object and the folders it leaves empty. A
// missing object is not an error (S3 answers 204 either way).
func (s *Store) DeleteObject(account, bucket, key string) error {
	if err := s.HeadBucket(account, bucket); err != nil {
		return err
	}
	if !validKey(key) {
		return nil
	}
	s.layout.Lock()
	defer s.layout.Unlock()
	p := objectPath(account, bucket, key)
	fi, err := s.root.Lstat(filepath.FromSlash(p))
	if err != nil || fi.IsDir() {
		return nil
	}
	if err := s.root.Remove(filepath.FromSlash(p)); err != nil {
		return fmt.Errorf("bucketstore: delete %s/%s: %w", bucket, key, err)
	}
	// Remove the folders left empty, up to the bucket; the first that is
	// not empty stays and records the change.
	bucketDir := account + "/" + bucket
	d := path.Dir(p)
	for d != bucketDir && d != "." && s.root.Remove(filepath.FromSlash(d)) == nil {
		d = path.Dir(d)
	}
	return s.syncDir(d)
}

// Stat describes one object without opening it for reading.
func (s *Store) Stat(account, bucket, key string) (ObjectInfo, error) {
	f, info, err := s.OpenObject(account, bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	_ = f.Close()
	return info, nil
}

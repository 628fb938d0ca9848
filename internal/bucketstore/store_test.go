package bucketstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/cespare/xxhash/v2"
	"testing"

	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/destination/destinationtest"
)

const acct = "000000000000"

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(Config{Dir: filepath.Join(t.TempDir(), "buckets")}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func put(t *testing.T, s *Store, bucket, key, body string) {
	t.Helper()
	if err := s.PutObject(context.Background(), destination.Object{Account: acct, Bucket: bucket, Key: key, Body: []byte(body)}); err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
}

func read(t *testing.T, s *Store, bucket, key string) string {
	t.Helper()
	f, _, err := s.OpenObject(acct, bucket, key)
	if err != nil {
		t.Fatalf("open %s/%s: %v", bucket, key, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPutCreatesBucketAndPlainFiles(t *testing.T) {
	s := newStore(t)
	put(t, s, "analytics", "2024/01/31/10/clicks-1-2024-01-31-10-00-00-x", "hello")
	// The object is a plain file at <dir>/<account>/<bucket>/<key>.
	raw, err := os.ReadFile(filepath.Join(s.Dir(), acct, "analytics", "2024", "01", "31", "10", "clicks-1-2024-01-31-10-00-00-x"))
	if err != nil || string(raw) != "hello" {
		t.Fatalf("file: %q %v", raw, err)
	}
	info, err := s.Stat(acct, "analytics", "2024/01/31/10/clicks-1-2024-01-31-10-00-00-x")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 5 || info.ETag != formatETag(xxhash.Sum64String("hello")) || len(info.ETag) != 20 {
		t.Fatalf("info = %+v", info)
	}
	buckets, err := s.ListBuckets(acct)
	if err != nil || len(buckets) != 1 || buckets[0].Name != "analytics" {
		t.Fatalf("buckets = %+v %v", buckets, err)
	}
	// Overwrite replaces the whole object (a retried batch).
	put(t, s, "analytics", "2024/01/31/10/clicks-1-2024-01-31-10-00-00-x", "hi")
	if got := read(t, s, "analytics", "2024/01/31/10/clicks-1-2024-01-31-10-00-00-x"); got != "hi" {
		t.Fatalf("after overwrite: %q", got)
	}
	// Nothing is left behind in the temporary directory.
	left, _ := os.ReadDir(filepath.Join(s.Dir(), tmpDir))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// Other accounts see nothing.
	if b, _ := s.ListBuckets("111111111111"); len(b) != 0 {
		t.Fatalf("other account sees %v", b)
	}
}

func TestAtomicOverwriteUnderConcurrentReads(t *testing.T) {
	s := newStore(t)
	versions := [][]byte{bytes.Repeat([]byte("a"), 3<<20), bytes.Repeat([]byte("b"), 1<<20), bytes.Repeat([]byte("c"), 2<<20)}
	put(t, s, "b", "k", string(versions[0]))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			f, _, err := s.OpenObject(acct, "b", "k")
			if err != nil {
				errs <- err
				return
			}
			got, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				errs <- err
				return
			}
			ok := false
			for _, v := range versions {
				ok = ok || bytes.Equal(got, v)
			}
			if !ok {
				errs <- fmt.Errorf("read a partial object of %d bytes", len(got))
				return
			}
		}
	}()
	for i := 0; i < 30; i++ {
		put(t, s, "b", "k", string(versions[i%len(versions)]))
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

func TestCrashLeftoversAreCleared(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "buckets")
	s, err := New(Config{Dir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// A temporary file a crash left behind.
	if err := os.WriteFile(filepath.Join(dir, tmpDir, "partial"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = New(Config{Dir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if left, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(left) != 0 {
		t.Fatalf("leftovers: %v", left)
	}
}

func TestTraversalAndBadNamesRefused(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	outside := filepath.Join(filepath.Dir(s.Dir()), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	badKeys := []string{"../secret", "../../secret", "a/../../secret", "a/./b", "/abs", "a//b", "a/", "", ".", "..",
		"a\x00b", strings.Repeat("x", 256), strings.Repeat("a/", 600)}
	for _, k := range badKeys {
		err := s.PutObject(ctx, destination.Object{Account: acct, Bucket: "b", Key: k, Body: []byte("x")})
		var s3err *Error
		if err == nil || !errors.As(err, &s3err) {
			t.Errorf("put key %q: %v, want an S3 error", k, err)
		}
	}
	for _, b := range []string{"..", ".hidden", "a/b", "../x", "", "-x", strings.Repeat("b", 256)} {
		err := s.PutObject(ctx, destination.Object{Account: acct, Bucket: b, Key: "k", Body: []byte("x")})
		if !errors.Is(err, ErrInvalidBucketName) {
			t.Errorf("bucket %q: %v, want InvalidBucketName", b, err)
		}
	}
	for _, a := range []string{"..", "../x", "", "a/b"} {
		err := s.PutObject(ctx, destination.Object{Account: a, Bucket: "b", Key: "k", Body: []byte("x")})
		if err == nil {
			t.Errorf("account %q accepted", a)
		}
	}
	put(t, s, "b", "ok", "fine")
	// A symbolic link inside a bucket that points outside the store is
	// never followed.
	if err := os.Symlink(outside, filepath.Join(s.Dir(), acct, "b", "link")); err != nil {
		t.Fatal(err)
	}
	if f, _, err := s.OpenObject(acct, "b", "link"); err == nil {
		f.Close()
		t.Fatal("read through a symbolic link that leaves the store")
	}
	if err := os.Symlink("../../..", filepath.Join(s.Dir(), acct, "b", "up")); err != nil {
		t.Fatal(err)
	}
	err := s.PutObject(ctx, destination.Object{Account: acct, Bucket: "b", Key: "up/secret", Body: []byte("overwritten")})
	if err == nil {
		t.Fatal("wrote through a symbolic link that leaves the store")
	}
	if raw, _ := os.ReadFile(outside); string(raw) != "secret" {
		t.Fatalf("file outside the store changed: %q", raw)
	}
}

func TestKeyConflicts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	put(t, s, "b", "a", "file")
	if err := s.PutObject(ctx, destination.Object{Account: acct, Bucket: "b", Key: "a/b", Body: []byte("x")}); !errors.Is(err, ErrKeyConflict) {
		t.Fatalf("object under an object: %v", err)
	}
	put(t, s, "b", "d/e", "x")
	if err := s.PutObject(ctx, destination.Object{Account: acct, Bucket: "b", Key: "d", Body: []byte("x")}); !errors.Is(err, ErrKeyConflict) {
		t.Fatalf("object over a folder: %v", err)
	}
}

func TestDeleteRemovesEmptyFolders(t *testing.T) {
	s := newStore(t)
	put(t, s, "b", "x/y/z", "1")
	put(t, s, "b", "x/w", "2")
	if err := s.DeleteObject(acct, "b", "x/y/z"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), acct, "b", "x", "y")); !os.IsNotExist(err) {
		t.Fatalf("empty folder kept: %v", err)
	}
	if err := s.DeleteObject(acct, "b", "x/w"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(acct, "b", "x/w"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if err := s.DeleteBucket(acct, "b"); err != nil {
		t.Fatalf("delete emptied bucket: %v", err)
	}
	if err := s.HeadBucket(acct, "b"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("head deleted bucket: %v", err)
	}
	if err := s.CreateBucket(acct, "c"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(acct, "c"); !errors.Is(err, ErrBucketAlreadyOwnedByYou) {
		t.Fatalf("create twice: %v", err)
	}
	put(t, s, "c", "k", "v")
	if err := s.DeleteBucket(acct, "c"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
}

// referenceList is S3's listing semantics written the obvious way, over a
// sorted slice of every key.
func referenceList(keys []string, o ListOptions) (objs, prefixes []string, truncated bool) {
	sort.Strings(keys)
	var last string
	count := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, o.Prefix) {
			continue
		}
		item, isPrefix := k, false
		if o.Delimiter != "" {
			if i := strings.Index(k[len(o.Prefix):], o.Delimiter); i >= 0 {
				item, isPrefix = k[:len(o.Prefix)+i+len(o.Delimiter)], true
			}
		}
		if o.After != "" && (item <= o.After || (o.AfterIsPrefix && !isPrefix && strings.HasPrefix(item, o.After))) {
			continue
		}
		if isPrefix && item == last {
			continue
		}
		if count == o.MaxKeys {
			return objs, prefixes, true
		}
		count++
		last = item
		if isPrefix {
			prefixes = append(prefixes, item)
		} else {
			objs = append(objs, item)
		}
	}
	return objs, prefixes, false
}

func TestListMatchesReference(t *testing.T) {
	s := newStore(t)
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", "a-c", "b", "2024", "01", "x.y", "z", "a_b", "A"}
	seen := map[string]bool{}
	var keys []string
	for len(keys) < 300 {
		n := 1 + rng.IntN(4)
		var segs []string
		for range n {
			segs = append(segs, parts[rng.IntN(len(parts))])
		}
		k := strings.Join(segs, "/")
		// Skip keys that cannot coexist as files with ones already
		// stored ("a" and "a/b").
		conflict := seen[k]
		for other := range seen {
			if strings.HasPrefix(other, k+"/") || strings.HasPrefix(k, other+"/") {
				conflict = true
			}
		}
		if conflict {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		put(t, s, "b", k, k)
	}
	cases := []ListOptions{
		{MaxKeys: 1000},
		{Delimiter: "/", MaxKeys: 1000},
		{Prefix: "a", MaxKeys: 1000},
		{Prefix: "a/", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "a", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "2024/0", Delimiter: "/", MaxKeys: 1000},
		{Delimiter: "-", MaxKeys: 1000},
		{Delimiter: "a", MaxKeys: 1000},
		{Prefix: "b/", After: "b/a-c", MaxKeys: 1000},
		{Prefix: "nope", MaxKeys: 1000},
	}
	for _, pageSize := range []int{1, 2, 7, 1000} {
		for _, c := range cases {
			c.MaxKeys = pageSize
			var gotObjs, gotPrefixes []string
			for page := 0; ; page++ {
				res, err := s.List(acct, "b", c)
				if err != nil {
					t.Fatal(err)
				}
				wantObjs, wantPrefixes, wantTrunc := referenceList(keys, c)
				var objs []string
				for _, o := range res.Objects {
					objs = append(objs, o.Key)
					if o.Size != int64(len(o.Key)) {
						t.Fatalf("size of %s = %d", o.Key, o.Size)
					}
				}
				if strings.Join(objs, ",") != strings.Join(wantObjs, ",") ||
					strings.Join(res.CommonPrefixes, ",") != strings.Join(wantPrefixes, ",") || res.Truncated != wantTrunc {
					t.Fatalf("%+v page %d:\n got %v %v %v\nwant %v %v %v", c, page, objs, res.CommonPrefixes, res.Truncated,
						wantObjs, wantPrefixes, wantTrunc)
				}
				gotObjs = append(gotObjs, objs...)
				gotPrefixes = append(gotPrefixes, res.CommonPrefixes...)
				if !res.Truncated {
					break
				}
				c.After, c.AfterIsPrefix = res.LastItem, res.LastIsPrefix
			}
			// Pages joined equal the whole listing.
			full := c
			full.MaxKeys, full.After, full.AfterIsPrefix = 100000, "", false
			if c.Prefix == "b/" {
				full.After = "b/a-c"
			}
			wantObjs, wantPrefixes, _ := referenceList(keys, full)
			if strings.Join(gotObjs, ",") != strings.Join(wantObjs, ",") || strings.Join(gotPrefixes, ",") != strings.Join(wantPrefixes, ",") {
				t.Fatalf("%+v with pages of %d: joined pages differ", c, pageSize)
			}
		}
	}
}

func TestObjectStoreContract(t *testing.T) {
	s := newStore(t)
	read := func(_ context.Context, bucket, key string) ([]byte, error) {
		f, _, err := s.OpenObject(acct, bucket, key)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	destinationtest.ObjectStore(t, s, read, acct, "contract")
}

// An object written in several chunks gets the ETag of its whole content,
// the same one a file without the stored attribute gets when it is read.
func TestETagOfChunkedWrite(t *testing.T) {
	s := newStore(t)
	body := make([]byte, 1<<20+12345)
	for i := range body {
		body[i] = byte(i * 31)
	}
	put(t, s, "big", "k", string(body))
	info, err := s.Stat(acct, "big", "k")
	if err != nil {
		t.Fatal(err)
	}
	if want := formatETag(xxhash.Sum64(body)); info.ETag != want {
		t.Fatalf("ETag %s, want %s", info.ETag, want)
	}
}

// Objects are the same on disk whichever way they were written: directly
// (large, aligned) or through the page cache (small, unaligned, the tail).
func TestPutObjectDirectAndBuffered(t *testing.T) {
	s := newStore(t)
	aligned := func(n int) []byte { // a large allocation starts on a page
		return make([]byte, n)
	}
	cases := map[string][]byte{
		"aligned-with-tail":   aligned(5<<20 + 1234),
		"aligned-exact":       aligned(2 << 20),
		"unaligned":           aligned(3<<20 + 7)[3:],
		"small":               aligned(4000),
		"just-over-directMin": aligned(directMin + 1),
	}
	for name, body := range cases {
		for i := range body {
			body[i] = byte(i*13 + len(name))
		}
		if err := s.PutObject(context.Background(), destination.Object{Account: acct, Bucket: "direct", Key: name, Body: body}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := read(t, s, "direct", name); got != string(body) {
			t.Fatalf("%s: read back %d bytes that differ from the %d put", name, len(got), len(body))
		}
		info, err := s.Stat(acct, "direct", name)
		if err != nil {
			t.Fatal(err)
		}
		if want := formatETag(xxhash.Sum64(body)); info.ETag != want {
			t.Fatalf("%s: ETag %s, want %s", name, info.ETag, want)
		}
	}
}

// A producer that hashed the body while writing it hands the hash over,
// and the store takes it for the ETag instead of reading the body again.
func TestPutObjectTakesTheProducersHash(t *testing.T) {
	s := newStore(t)
	body := make([]byte, 3<<20+5)
	for i := range body {
		body[i] = byte(i * 5)
	}
	sum := xxhash.Sum64(body)
	if err := s.PutObject(context.Background(), destination.Object{Account: acct, Bucket: "hashed", Key: "k", Body: body, XXH64: &sum}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, "hashed", "k"); got != string(body) {
		t.Fatal("body read back differs")
	}
	info, err := s.Stat(acct, "hashed", "k")
	if err != nil {
		t.Fatal(err)
	}
	if want := formatETag(sum); info.ETag != want {
		t.Fatalf("ETag %s, want %s", info.ETag, want)
	}
	// The hash is taken on trust: no second pass over the body checks it.
	other := sum + 1
	if err := s.PutObject(context.Background(), destination.Object{Account: acct, Bucket: "hashed", Key: "trusted", Body: body, XXH64: &other}); err != nil {
		t.Fatal(err)
	}
	if info, err = s.Stat(acct, "hashed", "trusted"); err != nil || info.ETag != formatETag(other) {
		t.Fatalf("ETag %s (err %v), want the producer's %s", info.ETag, err, formatETag(other))
	}
}

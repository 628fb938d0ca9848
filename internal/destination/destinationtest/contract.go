// Package destinationtest is the contract every destination.ObjectStore
// must meet, as a test run against each implementation (the S3 client on a
// real S3 server, the built-in bucket store).
package destinationtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/destination"
)

// Read returns an object's content as the store's readers see it.
type Read func(ctx context.Context, bucket, key string) ([]byte, error)

// ObjectStore runs the contract against store. bucket must exist (or be
// created on first put); account is passed through.
func ObjectStore(t *testing.T, store destination.ObjectStore, read Read, account, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	put := func(key string, body []byte) {
		t.Helper()
		if err := store.PutObject(ctx, destination.Object{Account: account, Bucket: bucket, Key: key, Body: body}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	check := func(key string, want []byte) {
		t.Helper()
		got, err := read(ctx, bucket, key)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: read %d bytes, want %d (content differs)", key, len(got), len(want))
		}
	}

	t.Run("small object", func(t *testing.T) {
		put("contract/small.txt", []byte("hello, S3"))
		check("contract/small.txt", []byte("hello, S3"))
	})
	t.Run("empty object", func(t *testing.T) {
		put("contract/empty", nil)
		check("contract/empty", []byte{})
	})
	t.Run("overwrite replaces", func(t *testing.T) {
		put("contract/again", bytes.Repeat([]byte("long "), 1000))
		put("contract/again", []byte("short"))
		check("contract/again", []byte("short"))
	})
	t.Run("large object", func(t *testing.T) {
		// Over the S3 client's 16 MiB multipart threshold.
		big := make([]byte, 21<<20+123)
		_, _ = rand.Read(big)
		put("contract/2024/01/31/10/big.bin", big)
		check("contract/2024/01/31/10/big.bin", big)
	})
	t.Run("body is not kept", func(t *testing.T) {
		body := []byte("original")
		put("contract/reuse", body)
		copy(body, "CHANGED!")
		check("contract/reuse", []byte("original"))
	})
	t.Run("canceled context", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		err := store.PutObject(cctx, destination.Object{Account: account, Bucket: bucket, Key: "contract/canceled", Body: []byte("x")})
		if err == nil {
			t.Fatal("put with a canceled context succeeded")
		}
		if !errors.Is(err, context.Canceled) {
			t.Logf("canceled put: %v (not wrapping context.Canceled)", err)
		}
	})
}

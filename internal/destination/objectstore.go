package destination

import (
	"context"
	"errors"
)

// Object is one object to write to an S3-style store.
type Object struct {
	// Account is the AWS account of the delivery stream. The built-in
	// bucket store keeps each account's buckets apart; an external S3
	// endpoint has its own credentials and ignores it.
	Account string
	Bucket  string
	Key     string
	// Body is the whole object. The runner keeps it for retries, so a
	// store must not modify it or keep it after PutObject returns.
	Body []byte
	// XXH64, when set, is the xxHash64 of Body, computed by the producer
	// while it wrote Body (delivery does, while the bytes are still in the
	// CPU's cache). The built-in bucket store's ETag is that hash, so it
	// need not read Body again; other stores ignore it.
	XXH64 *uint64
	// KMSKeyARN, when set, asks for server-side encryption with that KMS
	// key (SSE-KMS: x-amz-server-side-encryption: aws:kms and
	// x-amz-server-side-encryption-aws-kms-key-id). Empty sends no
	// encryption headers, so the bucket's default applies.
	KMSKeyARN string
}

// ObjectStore writes whole objects.
//
// PutObject returns nil only once the object is durably stored: the runner
// then acknowledges the records in it, and they are gone from Sluice. It
// replaces an existing object of the same key (a retried batch overwrites
// its own object). Any error means the object may or may not exist; the
// runner retries with the same key and body, so PutObject must be safe to
// repeat. A store should wrap errors with the bucket and key, and may
// expose a service error code through an ErrorCode() string method (the
// AWS SDK's errors do) so logs and error records can name it.
type ObjectStore interface {
	PutObject(ctx context.Context, obj Object) error
}

// ErrorCode returns the service error code carried by err ("NoSuchBucket",
// "AccessDenied", ...), or "" when it has none.
func ErrorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return coded.ErrorCode()
	}
	return ""
}

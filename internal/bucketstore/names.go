package bucketstore

import (
	"strings"
	"unicode/utf8"
)

const (
	maxKeyBytes     = 1024 // S3's limit on a key
	maxSegmentBytes = 255  // NAME_MAX of common file systems
	tmpDir          = ".tmp"
)

// validBucket accepts the bucket names a BucketARN may carry
// (arn:...:s3:::[\w.-]{1,255}), which include the legacy names with upper
// case and underscores, except those that cannot be a directory name.
func validBucket(name string) bool {
	if name == "" || len(name) > 255 || name[0] == '.' || name[0] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validAccount keeps account names to what can be one directory name.
func validAccount(acct string) bool {
	if acct == "" || len(acct) > 64 || acct[0] == '.' {
		return false
	}
	for i := 0; i < len(acct); i++ {
		c := acct[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validKey reports whether a key can be stored as a file: valid UTF-8, at
// most 1024 bytes, no NUL, and "/"-separated segments that are non-empty,
// not "." or "..", and at most 255 bytes.
func validKey(key string) bool {
	if key == "" || len(key) > maxKeyBytes || !utf8.ValidString(key) || strings.IndexByte(key, 0) >= 0 {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." || len(seg) > maxSegmentBytes {
			return false
		}
	}
	return true
}

// objectPath is the path of an object relative to the store root. The
// caller has validated every part; os.Root enforces containment anyway.
func objectPath(account, bucket, key string) string {
	return account + "/" + bucket + "/" + key
}

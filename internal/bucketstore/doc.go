// Package bucketstore is the built-in bucket store: where delivery streams
// write their objects when no S3 endpoint is configured (DESIGN decision
// 7), and the S3 read API that lets a user browse them with ordinary S3
// tools on Sluice's own port:
//
//	aws --endpoint-url http://127.0.0.1:4573 s3 ls s3://analytics/ --recursive
//	aws --endpoint-url http://127.0.0.1:4573 s3 cp s3://analytics/<key> -
//
// Objects are plain files, <dir>/<account>/<bucket>/<key>, so they can also
// be read with cat, zcat or a file manager. A key's "/" separators become
// directories. Writes are atomic and durable (temporary file, fsync,
// rename, fsync of the directory): the delivery runner acknowledges the
// records of an object as soon as PutObject returns, so a crash right after
// must not lose or truncate it. Every file access goes through an os.Root,
// so no key can reach outside the store, even through a symbolic link.
//
// The HTTP side answers, path-style only, ListBuckets, CreateBucket,
// HeadBucket, DeleteBucket, GetBucketLocation, ListObjectsV2 (and the older
// ListObjects), GetObject (with Range), HeadObject and DeleteObject, in
// S3's XML. Authentication is not this package's job: the caller hands in
// a function that names the account of a request.
//
// Keys that cannot be files are refused: empty path segments ("a//b", a
// leading or trailing "/"), "." and ".." segments, NUL bytes, segments over
// 255 bytes, and a key that is both an object and a "directory" of other
// keys ("a" and "a/b").
//
// It implements destination.ObjectStore. It must not import the AWS SDK,
// NATS or the delivery runner.
package bucketstore

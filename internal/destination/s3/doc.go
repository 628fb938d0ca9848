// Package s3 delivers objects to any S3-compatible endpoint (AWS S3,
// versitygw, MinIO, Ceph, ...) through aws-sdk-go-v2: a single PutObject
// for small objects and a multipart upload (the SDK's transfer manager)
// above a threshold, with SSE-KMS headers when the destination asks for
// them.
//
// It implements destination.ObjectStore and nothing else: no retries of its
// own (the SDK's retryer is off), because the delivery runner owns retries,
// back-off and logging, and must see every failure.
//
// This is the only package besides tests allowed to import the AWS S3 SDK.
// It must not import NATS or any delivery or domain package.
package s3

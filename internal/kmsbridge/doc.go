// Package kmsbridge connects server-side encryption (firehose.KMS) to a key
// management service: Builtin talks to Sluice's own KMS in-process, and
// External (external.go) to any KMS-compatible endpoint through the AWS SDK.
//
// Each translates its service's errors into *firehose.KMSError, so the
// domain can tell "the key is disabled" from "KMS is unreachable".
package kmsbridge

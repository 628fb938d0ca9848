// Package kmsapi is the wire layer of Sluice's built-in KMS: it serves the
// AWS KMS JSON 1.1 API (X-Amz-Target: TrentService.*) by decoding the
// generated request types of internal/kmsmodel, calling internal/kms, and
// encoding the generated response types. Domain errors become AWS errors in
// one table (errors.go).
//
// It holds no state and no business rules. It must not import NATS, the
// storage packages or the AWS SDK (the SDK appears only in tests, as the
// client that proves wire compatibility).
package kmsapi

// Package kms is the domain of Sluice's built-in key management service: a
// self-hosted implementation of the parts of AWS KMS that Firehose
// server-side encryption and its users need (symmetric keys, key states,
// aliases, grants, tags, key policies, envelope encryption).
//
// Every method takes a Caller naming the account and region the request is
// made in; every resource belongs to exactly one (account, region) and is
// invisible from any other. State lives in a kv.Store (the catalog), and
// every read-modify-write is a compare-and-set on the entry revision, so
// several Sluice nodes sharing one catalog never lose an update.
//
// Key material is 32 random bytes per key, stored only wrapped under a key
// derived from the root key (AES-256-GCM). Ciphertext blobs carry the key id,
// a random nonce and the AES-256-GCM ciphertext; the encryption context is
// the additional authenticated data. There is no background goroutine: a key
// whose deletion date has passed is treated as deleted when it is next
// touched, and PurgeExpired removes such keys for good.
//
// Errors that callers must be able to tell apart are *Error values whose
// Code is the AWS KMS error shape name; anything else is an internal failure
// (usually of the catalog) wrapped with context.
//
// This package must not import net/http, NATS, the AWS SDK or any wire or
// generated-model package: the wire layer (internal/kmsapi) translates
// requests into calls of Service.
package kms

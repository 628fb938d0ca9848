// Package envelope is server-side encryption on the data path: it seals
// the record groups of streams whose encryption is in effect before they
// are stored (AES-256-GCM under a data key from KMS GenerateDataKey, with
// the stream ARN as encryption context), and opens them again for delivery
// (KMS Decrypt of the stored data key).
//
// Data keys are cached and rotated by age, bytes and number of messages,
// so KMS is called a few times a minute, not per record. The usability of a
// customer key and of Firehose's grant on it is re-checked every second,
// so a disabled key or revoked grant stops puts within about a second.
//
// It imports no net/http, NATS or AWS SDK; KMS comes in as firehose.KMS.
package envelope

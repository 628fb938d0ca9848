// Package records is the stored form of a group of records: the bytes of one
// JetStream message.
//
// Sluice stores one message per PutRecordBatch call, or per group of
// concurrent PutRecord/PutRecordBatch calls to one stream (DESIGN decision
// 4), so a message carries several groups of records, each with the arrival
// time of its call. The format is a small versioned binary framing written by
// Append/AppendSealed into a caller buffer without per-record allocations,
// and read by Parse and a Reader whose records are sub-slices of the message
// (or, for sealed messages, of the caller's plaintext buffer). Decoding
// rejects truncated or corrupt input with an error and never panics.
//
// When a stream's server-side encryption is on (DESIGN decision 5) the
// record section is sealed with AES-256-GCM under a data key from KMS. The
// header carries the KMS key id, the encrypted data key and the nonce in the
// clear, and the GCM additional data binds the whole header plus the caller's
// stream identity, so no part of a header can be swapped or edited and a
// message cannot be replayed into another stream. Talking to KMS is the
// caller's job: this package only sees the resulting DataKey.
//
// Message layout, version 1 (uvarint/varint are encoding/binary's):
//
//	offset  size     field
//	0       2        magic "SR"
//	2       1        version (1)
//	3       1        flags: bit 0 = sealed; the other bits must be zero
//	4       uvarint  total record count
//	        uvarint  group count
//	        per group, in order:
//	          varint   arrival time, epoch ms, as a delta from the previous
//	                   group's (the first group's from 0)
//	          uvarint  records in the group
//	        if sealed:
//	          uvarint  key id length (1..2048), then the KMS key id (ARN)
//	          uvarint  encrypted data key length (1..6144), then the key blob
//	          12       GCM nonce
//	        record section, to the end of the message:
//	          plain:  per record, uvarint length then the bytes
//	          sealed: AES-256-GCM ciphertext of the plain section, then the
//	                  16-byte tag; additional data =
//	                  uvarint(len(aad)) ‖ aad ‖ header (bytes 0 to the nonce's end)
//
// The package is a leaf: it imports no net/http, no NATS, no AWS SDK and no
// other Sluice package.
package records

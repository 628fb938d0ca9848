// Package delivery moves stored records to their destination (DESIGN
// decision 6). A Manager watches the catalog and runs one runner per ACTIVE
// DirectPut delivery stream whose destination it can deliver to (S3 and
// ExtendedS3 for now); each runner consumes the stream's records in order
// from the record log, opens sealed messages, batches by the stream's
// buffering hints, names and compresses one object per batch, writes it,
// and only then acknowledges the stored messages of the batch.
//
// Guarantees, and what they rest on:
//
//   - Nothing acknowledged by PutRecord(Batch) is lost: a stored message is
//     acknowledged (removed from the log) only after the object holding its
//     records is written, and a failed write is retried with back-off until
//     it succeeds. The stream waits while S3 is down.
//   - No record lands in two objects, even across crashes: a batch always
//     starts right after the previous one (the consumer is reset to the
//     first stored message when a runner starts), batches are written one
//     at a time, a batch is acknowledged in one atomic step, and its key is
//     derived from (stream UID, VersionId, first sequence). A batch written
//     but not acknowledged before a crash is rebuilt from the same first
//     message and overwrites its own object.
//   - Batches end on stored-message boundaries: a stored message (one
//     PutRecordBatch, or a group of concurrent PutRecord calls) is never
//     split across objects, so an object may exceed SizeInMBs by less than
//     one message when a single message is larger than the hint.
//   - One runner per stream across all nodes: a runner delivers only while
//     it holds the stream's lease in the delivery bucket.
//
// Records older than the record log's maximum age (--record-max-age, 24 h
// like AWS) are expired by JetStream whether delivered or not. A runner
// that still holds such records in memory after its writes have failed for
// that long writes them to the destination's error output instead (failed
// record JSON under ErrorOutputPrefix), so the stream moves on.
//
// It must not import net/http, NATS or the AWS SDK: the record log, the
// destinations and the catalog come in through the interfaces in ports.go.
package delivery

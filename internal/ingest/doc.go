// Package ingest is the data path from a validated PutRecord or
// PutRecordBatch to records stored durably in the record log: it checks the
// stream can take records, applies the per-stream throughput quotas,
// groups concurrent calls on one stream into one stored message (group
// commit), has the group encoded (and sealed, when SSE is on), and answers
// only once the record log has stored it.
//
// It must not import net/http, NATS or the AWS SDK; the record log comes in
// through the Appender interface.
package ingest

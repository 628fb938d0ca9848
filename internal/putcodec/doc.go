// Package putcodec is the hot-path wire codec of PutRecord and PutRecordBatch.
//
// The standard encoding/json decoder tops out near 250 MB/s per core, and a
// PutRecordBatch body is almost entirely base64 (500 records of up to 1 MiB
// each). This package decodes the two request bodies with a hand-written
// scanner that decodes each record's base64 straight into one backing buffer
// per request, and encodes the two responses by appending to a caller
// buffer. It also mints the opaque record ids those responses carry.
//
// Contract with the caller: DecodeBatch and DecodePut return ok=false for
// anything they are not certain about (invalid JSON, wrong types, duplicate
// or case-folded member names, escaped or non-ASCII member names, invalid
// base64, nesting deeper than maxDepth). The caller then decodes the same
// body with encoding/json into
//
//	struct{ DeliveryStreamName *string; Records []struct{ Data []byte } }
//	struct{ DeliveryStreamName *string; Record *struct{ Data []byte } }
//
// and whenever ok=true the result is exactly what encoding/json would have
// produced (FuzzDecodeBatch and FuzzDecodePut check this).
//
// The package is a leaf: it imports no net/http, no NATS, no AWS SDK and no
// other Sluice package. (The tests use the aws-sdk-go-v2 Firehose client to
// capture the bodies a real SDK sends; that is a test-only dependency.)
package putcodec

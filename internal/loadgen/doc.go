// Package loadgen is Sluice's load generator, behind `sluice bench`: it
// drives PutRecordBatch (or PutRecord, with a batch size of 1) through the
// real aws-sdk-go-v2 Firehose client from several concurrent workers, and
// reports throughput, latency percentiles and errors by code. It can start
// the server itself as a child process on a temporary data directory and
// then also reports the server's peak memory and CPU time.
//
// Under the SDK it sends through its own HTTP/1.1 client (direct.go) by
// default, which does each exchange on the calling worker's goroutine; the
// SDK's net/http client remains a choice (HTTPClient).
//
// It refuses targets that are not on the loopback interface: it exists to
// measure a server on the same machine, not to load anyone else's.
//
// It may import the AWS SDK and net/http; nothing in the server imports it.
package loadgen

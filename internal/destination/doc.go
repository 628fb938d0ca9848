// Package destination is the contract between the delivery runner and the
// sinks it writes to (DESIGN decision 7): small interfaces, one per kind of
// sink, that deliver one batch and honour context cancellation. Sinks only
// connect and write; the runner owns batching, retries, back-off, error
// output and acknowledgement.
//
// One package per sink implements these interfaces: destination/s3 (any
// S3-compatible endpoint, through the AWS SDK) and bucketstore (the
// built-in bucket store under the data directory). The contract tests in
// destinationtest run against every implementation.
//
// This package is a leaf: it must not import the AWS SDK, NATS, net/http or
// any other Sluice package.
package destination

// Package compression writes the bytes of one S3 object in the
// CompressionFormat of a Firehose S3 destination: UNCOMPRESSED, GZIP (one gzip
// member), ZIP (an archive with a single entry), Snappy (the framed snappy
// stream format) and HADOOP_SNAPPY (Hadoop's BlockCompressorStream framing of
// raw snappy blocks, written here by hand because no Go library does).
//
// A Writer compresses everything written to it, records already concatenated
// byte for byte by the caller, into one object, and is reusable with Reset so
// a delivery runner keeping up with hundreds of MB/s allocates per object, not
// per record.
//
// The package is a pure leaf: it must not import net/http, NATS, the AWS SDK or
// any other Sluice package.
package compression

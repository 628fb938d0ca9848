// Package s3key names the objects Sluice writes to S3, the way Amazon Data
// Firehose names them.
//
// It holds three things:
//
//   - the prefix expression language (`!{namespace:value}`) of the S3
//     destination's Prefix and ErrorOutputPrefix, parsed once into a Template;
//   - a hand-written formatter for the java.time DateTimeFormatter patterns used
//     by `!{timestamp:...}` (no Go library implements Java's pattern letters);
//   - the create-time validation rules of Prefix/ErrorOutputPrefix
//     (ValidatePrefixes) and the delivery-time key builder (Namer), which
//     produces `<evaluated prefix><stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>`.
//
// The package is a pure leaf: it must not import net/http, NATS, the AWS SDK or
// any other Sluice package. Everything that varies between calls (the instant,
// the UUID, the random source, the partition keys) is an input, so a retried
// delivery can reproduce the same key and tests can pin every byte.
package s3key

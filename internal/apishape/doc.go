// Package apishape is the small runtime that the code generated from the AWS
// service models (internal/firehosemodel, internal/kmsmodel) stands on.
//
// It holds what every generated package shares:
//
//   - ValidationError and Validator, which collect constraint violations and
//     render them in the exact Coral form the real services answer with
//     ("1 validation error detected: Value 'x' at 'a.b' failed to satisfy
//     constraint: ..."), including the Java-flavoured value rendering
//     (HeapByteBuffer for blobs, [a, b] for lists, no value at all for
//     members the model marks sensitive);
//   - Pattern, a compiled model pattern (a regexp or a hand-written matcher
//     for the few Java patterns RE2 cannot express);
//   - Timestamp, the wire form of model timestamps (JSON number of epoch
//     seconds);
//   - Operation, the description of one API operation used for dispatch
//     tables and fuzzing.
//
// It is a leaf: it imports only the standard library, so that the generated
// packages, and everything that consumes their types, stay free of
// dependencies.
package apishape

// Package sigv4 verifies AWS Signature Version 4 on incoming HTTP requests.
//
// Sluice speaks the Firehose and KMS JSON 1.1 protocols and a few S3 read calls on one port,
// and every client (the AWS SDKs, the AWS CLI, Fluent Bit, the Kinesis Agent) signs its requests
// with SigV4. No maintained server-side verifier exists in Go, and the SDK signer cannot stand in
// for one: it refuses to sign User-Agent, which Fluent Bit signs. So this package rebuilds the
// canonical request from what the client actually sent, with exactly the headers the client
// listed in SignedHeaders, and compares signatures in constant time.
//
// The package covers both the Authorization-header form and the presigned query form, session
// tokens, clock skew, the credential scope checks AWS makes, and the error codes and messages
// AWS answers with: the Coral JSON codes (IncompleteSignatureException, InvalidSignatureException,
// ...) for firehose and kms, the S3 XML codes (SignatureDoesNotMatch, InvalidAccessKeyId, ...)
// for s3. Every error Verify returns is a *Error carrying the code, message and HTTP status; the
// protocol layer renders it.
//
// With no credentials configured the Verifier runs in development mode: it still parses and
// checks the signature's form, but accepts any secret (see Config).
//
// This package must import nothing from the rest of Sluice, and only the standard library
// outside its tests (the tests use the aws-sdk-go-v2 signer to produce signatures to verify).
package sigv4

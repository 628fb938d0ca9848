// Package awsproto is the AWS JSON 1.1 wire layer shared by every JSON
// service Sluice speaks (Firehose and the built-in KMS): it reads the body
// within a size limit, dispatches on the X-Amz-Target header, authenticates
// the caller through an injected Authenticator, decodes and validates inputs,
// and writes outputs and errors in the exact envelope AWS SDKs parse
// ({"__type","message"} plus x-amzn-ErrorType and x-amzn-RequestId).
//
// It is also the first line of defence: the body limit is checked against
// Content-Length before reading, an optional PreAuthenticator refuses
// unauthenticated callers before their body is read, MaxInFlight bounds the
// requests served at once (ServiceUnavailableException beyond it), and a
// panicking handler is recovered, logged with the request id and answered
// InternalFailure. The request id travels in the request context
// (RequestIDFromContext) for authenticators and handlers to log.
//
// It knows nothing about Firehose or KMS: services register a target prefix
// and a table of operation handlers. It must not import any domain, storage
// or generated-model package.
package awsproto

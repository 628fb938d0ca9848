package sigv4

import "net/http"

// Error is an authentication failure, carrying what the protocol layer needs to answer the way
// AWS does: the error code (the JSON __type for firehose and kms, the XML <Code> for s3), the
// message, and the HTTP status. Every error Verify returns is an *Error.
type Error struct {
	Code       string
	Message    string
	HTTPStatus int

	// CanonicalRequest and StringToSign are what the server computed, set only when the
	// signature did not match. AWS shows them to the client in some services; Sluice keeps them
	// out of the response by default and offers them for server-side debug logging. They hold
	// nothing secret: both are derived from the request itself.
	CanonicalRequest string
	StringToSign     string
}

func (e *Error) Error() string {
	return "sigv4: " + e.Code + ": " + e.Message
}

// Error codes of the Coral (AWS JSON) services, firehose and kms.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
)

// Error codes of Amazon S3, used when the expected service is "s3".
const (
	CodeS3AccessDenied                      = "AccessDenied"
	CodeS3SignatureDoesNotMatch             = "SignatureDoesNotMatch"
	CodeS3InvalidAccessKeyID                = "InvalidAccessKeyId"
	CodeS3RequestTimeTooSkewed              = "RequestTimeTooSkewed"
	CodeS3AuthorizationHeaderMalformed      = "AuthorizationHeaderMalformed"
	CodeS3AuthorizationQueryParametersError = "AuthorizationQueryParametersError"
	CodeS3InvalidArgument                   = "InvalidArgument"
	CodeS3InvalidToken                      = "InvalidToken"
	CodeS3XAmzContentSHA256Mismatch         = "XAmzContentSHA256Mismatch"
	CodeS3NotImplemented                    = "NotImplemented"
)

// Messages AWS sends verbatim, kept here so tests and callers can compare against them.
const (
	MsgMissingAuthenticationToken = "Missing Authentication Token"
	MsgSignatureDoesNotMatch      = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	MsgUnrecognizedClient         = "The security token included in the request is invalid."

	MsgS3AccessDenied            = "Access Denied"
	MsgS3SignatureDoesNotMatch   = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	MsgS3InvalidAccessKeyID      = "The AWS Access Key Id you provided does not exist in our records."
	MsgS3RequestTimeTooSkewed    = "The difference between the request time and the current time is too large."
	MsgS3InvalidToken            = "The provided token is malformed or otherwise invalid."
	MsgS3ContentSHA256Mismatch   = "The provided 'x-amz-content-sha256' header does not match what was computed."
	MsgS3RequestExpired          = "Request has expired"
	MsgS3HeaderNeedsThreeParts   = "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature."
	MsgS3QueryNeedsAllParameters = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
)

// kind classifies a failure independently of the service, so that one table decides the code
// and status for the Coral services and for S3.
type kind uint8

const (
	kindMissingAuth          kind = iota // no Authorization header and no presign parameters
	kindOtherScheme                      // an Authorization header of another scheme (Basic, Bearer, SigV2)
	kindBothMechanisms                   // Authorization header and X-Amz-Algorithm query together
	kindUnsupportedAlgorithm             // not AWS4-HMAC-SHA256
	kindMalformedHeader                  // Authorization header not parseable or incomplete
	kindMalformedQuery                   // presign parameters missing or invalid
	kindMissingDate                      // neither X-Amz-Date nor Date
	kindBadDate                          // date not in ISO-8601 basic format
	kindBadCredential                    // Credential is not keyid/date/region/service/term
	kindHostNotSigned                    // host is not in SignedHeaders
	kindBadScope                         // wrong region, service, terminator or date in the scope
	kindSkewed                           // request time too far from the server clock
	kindPresignExpired                   // X-Amz-Date + X-Amz-Expires is in the past
	kindPresignNotYetValid               // presigned X-Amz-Date is in the future
	kindUnknownAccessKey                 // access key not known to the credential source
	kindBadToken                         // session token does not match the credential's
	kindSignatureMismatch                // the signature itself is wrong
	kindPayloadMismatch                  // x-amz-content-sha256 is not the body's hash
	kindBadPayloadHash                   // x-amz-content-sha256 value not acceptable here
	kindStreamingPayload                 // STREAMING-* payloads are not implemented
)

// errorSpec is one row of the error table: the Coral code, the S3 code for the header form and
// for the presigned form, and their HTTP statuses.
type errorSpec struct {
	coral       string
	coralStatus int
	s3          string
	s3Query     string
	s3Status    int
}

// errorTable maps each failure kind to its codes. Statuses follow what the services answer:
// Coral services send 400 for every authentication failure on a JSON request (kinesalite and
// dynalite, both built against the real endpoints, agree; the 403 seen in API Gateway style
// answers is for non-JSON requests). S3 sends 403 for authentication and 400 for malformed
// requests.
var errorTable = [...]errorSpec{
	kindMissingAuth:          {CodeMissingAuthenticationToken, http.StatusBadRequest, CodeS3AccessDenied, CodeS3AccessDenied, http.StatusForbidden},
	kindOtherScheme:          {CodeMissingAuthenticationToken, http.StatusBadRequest, CodeS3InvalidArgument, CodeS3InvalidArgument, http.StatusBadRequest},
	kindBothMechanisms:       {CodeInvalidSignature, http.StatusBadRequest, CodeS3InvalidArgument, CodeS3InvalidArgument, http.StatusBadRequest},
	kindUnsupportedAlgorithm: {CodeIncompleteSignature, http.StatusBadRequest, CodeS3InvalidArgument, CodeS3AuthorizationQueryParametersError, http.StatusBadRequest},
	kindMalformedHeader:      {CodeIncompleteSignature, http.StatusBadRequest, CodeS3AuthorizationHeaderMalformed, CodeS3AuthorizationHeaderMalformed, http.StatusBadRequest},
	kindMalformedQuery:       {CodeIncompleteSignature, http.StatusBadRequest, CodeS3AuthorizationQueryParametersError, CodeS3AuthorizationQueryParametersError, http.StatusBadRequest},
	kindMissingDate:          {CodeIncompleteSignature, http.StatusBadRequest, CodeS3AccessDenied, CodeS3AuthorizationQueryParametersError, http.StatusForbidden},
	kindBadDate:              {CodeIncompleteSignature, http.StatusBadRequest, CodeS3AccessDenied, CodeS3AuthorizationQueryParametersError, http.StatusForbidden},
	kindBadCredential:        {CodeIncompleteSignature, http.StatusBadRequest, CodeS3AuthorizationHeaderMalformed, CodeS3AuthorizationQueryParametersError, http.StatusBadRequest},
	kindHostNotSigned:        {CodeInvalidSignature, http.StatusBadRequest, CodeS3AuthorizationHeaderMalformed, CodeS3AuthorizationQueryParametersError, http.StatusBadRequest},
	kindBadScope:             {CodeInvalidSignature, http.StatusBadRequest, CodeS3AuthorizationHeaderMalformed, CodeS3AuthorizationQueryParametersError, http.StatusBadRequest},
	kindSkewed:               {CodeInvalidSignature, http.StatusBadRequest, CodeS3RequestTimeTooSkewed, CodeS3RequestTimeTooSkewed, http.StatusForbidden},
	kindPresignExpired:       {CodeInvalidSignature, http.StatusBadRequest, CodeS3AccessDenied, CodeS3AccessDenied, http.StatusForbidden},
	kindPresignNotYetValid:   {CodeInvalidSignature, http.StatusBadRequest, CodeS3AccessDenied, CodeS3AccessDenied, http.StatusForbidden},
	kindUnknownAccessKey:     {CodeUnrecognizedClient, http.StatusBadRequest, CodeS3InvalidAccessKeyID, CodeS3InvalidAccessKeyID, http.StatusForbidden},
	kindBadToken:             {CodeUnrecognizedClient, http.StatusBadRequest, CodeS3InvalidToken, CodeS3InvalidToken, http.StatusBadRequest},
	kindSignatureMismatch:    {CodeInvalidSignature, http.StatusBadRequest, CodeS3SignatureDoesNotMatch, CodeS3SignatureDoesNotMatch, http.StatusForbidden},
	kindPayloadMismatch:      {CodeInvalidSignature, http.StatusBadRequest, CodeS3XAmzContentSHA256Mismatch, CodeS3XAmzContentSHA256Mismatch, http.StatusBadRequest},
	kindBadPayloadHash:       {CodeInvalidSignature, http.StatusBadRequest, CodeS3InvalidArgument, CodeS3InvalidArgument, http.StatusBadRequest},
	kindStreamingPayload:     {CodeInvalidSignature, http.StatusBadRequest, CodeS3NotImplemented, CodeS3NotImplemented, http.StatusNotImplemented},
}

// failure is a verification failure before it is given the codes of a service: the kind and
// the two texts, one in the Coral services' words and one in S3's.
type failure struct {
	kind  kind
	coral string
	s3    string
}

func fail(k kind, coral, s3 string) *failure {
	return &failure{kind: k, coral: coral, s3: s3}
}

// toError renders f for the service being verified. An S3 text left empty falls back to the
// Coral text, which is better than no message.
func (f *failure) toError(s3, presigned bool) *Error {
	spec := errorTable[f.kind]
	if !s3 {
		return &Error{Code: spec.coral, Message: f.coral, HTTPStatus: spec.coralStatus}
	}
	code := spec.s3
	if presigned {
		code = spec.s3Query
	}
	msg := f.s3
	if msg == "" {
		msg = f.coral
	}
	status := spec.s3Status
	// AuthorizationQueryParametersError is a 400 in S3 even where the header form's code is
	// a 403 AccessDenied (a bad or missing X-Amz-Date, for example).
	if code == CodeS3AuthorizationQueryParametersError {
		status = http.StatusBadRequest
	}
	return &Error{Code: code, Message: msg, HTTPStatus: status}
}

package kms

import (
	"errors"
	"fmt"
)

// Error codes. Each equals the name of the AWS KMS error shape that goes on
// the wire, so the API layer can forward it unchanged.
const (
	CodeNotFound             = "NotFoundException"
	CodeDisabled             = "DisabledException"
	CodeInvalidState         = "KMSInvalidStateException"
	CodeAlreadyExists        = "AlreadyExistsException"
	CodeInvalidArn           = "InvalidArnException"
	CodeInvalidAliasName     = "InvalidAliasNameException"
	CodeInvalidCiphertext    = "InvalidCiphertextException"
	CodeIncorrectKey         = "IncorrectKeyException"
	CodeInvalidKeyUsage      = "InvalidKeyUsageException"
	CodeInvalidGrantID       = "InvalidGrantIdException"
	CodeInvalidGrantToken    = "InvalidGrantTokenException"
	CodeInvalidMarker        = "InvalidMarkerException"
	CodeLimitExceeded        = "LimitExceededException"
	CodeTag                  = "TagException"
	CodeMalformedPolicy      = "MalformedPolicyDocumentException"
	CodeUnsupportedOperation = "UnsupportedOperationException"
	CodeDryRun               = "DryRunOperationException"
	CodeValidation           = "ValidationException"
	// CodeNotAuthorized is not in the KMS model; real KMS answers it when a
	// caller tries to create an alias under the reserved alias/aws/ prefix.
	CodeNotAuthorized     = "NotAuthorizedException"
	CodeInternal          = "KMSInternalException"
	CodeDependencyTimeout = "DependencyTimeoutException"
	CodeKeyUnavailable    = "KeyUnavailableException"
)

// Messages copied from the real service (spec §7.3).
const (
	msgDryRun       = "The request would have succeeded, but the DryRun option is set."
	msgIncorrectKey = "The key ID in the request does not identify a CMK that can perform this operation."
	msgAliasPrefix  = `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`
)

// Error is a KMS error the caller can act on: Code is the AWS error shape
// name and Message the text AWS would send.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "kms: " + e.Code
	}
	return "kms: " + e.Code + ": " + e.Message
}

// Is makes errors.Is(err, &Error{Code: c}) true for any *Error with code c,
// whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the KMS error code carried by err, or "" when err is not
// (and does not wrap) an *Error.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func validationf(format string, args ...any) *Error {
	return errorf(CodeValidation, format, args...)
}

// dryRun is returned by operations with DryRun set once every check passed.
func dryRun() *Error { return &Error{Code: CodeDryRun, Message: msgDryRun} }

// invalidCiphertext carries no message: real KMS sends none, so that a
// caller cannot tell a wrong context from a damaged blob.
func invalidCiphertext() *Error { return &Error{Code: CodeInvalidCiphertext} }

func keyNotFound(arn string) *Error {
	return errorf(CodeNotFound, "Key '%s' does not exist", arn)
}

func invalidKeyID(raw string) *Error {
	return errorf(CodeNotFound, "Invalid keyId '%s'", raw)
}

func aliasNotFound(aliasARN string) *Error {
	return errorf(CodeNotFound, "Alias %s is not found.", aliasARN)
}

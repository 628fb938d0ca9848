package awsproto

import (
	"fmt"
	"net/http"
)

// Error is an AWS error as it goes on the wire: the shape name in Code, the
// human text in Message, the HTTP status, and any extra modeled members
// (for example "code" on InvalidKMSResourceException).
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  map[string]any
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Errorf builds an Error with HTTP status 400, the status of every modeled
// client error of Firehose and KMS.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// WithStatus returns a copy of e with another HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// WithField returns a copy of e carrying one more modeled member.
func (e *Error) WithField(name string, value any) *Error {
	c := *e
	c.Fields = make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[name] = value
	return &c
}

// Protocol-level errors every operation can return.
const (
	CodeSerialization    = "SerializationException"
	CodeValidation       = "ValidationException"
	CodeUnknownOperation = "UnknownOperationException"
	CodeInternalFailure  = "InternalFailure"
	CodeServiceUnavail   = "ServiceUnavailableException"
	CodeEntityTooLarge   = "RequestEntityTooLargeException"
)

// ErrInternal is what a caller sees for a failure that is Sluice's own
// fault; the cause is logged with the request id, never sent.
var errInternal = &Error{
	Code:    CodeInternalFailure,
	Message: "We encountered an internal error. Please try again.",
	Status:  http.StatusInternalServerError,
}

// Validation wraps the text of a model validation failure.
func Validation(message string) *Error {
	return &Error{Code: CodeValidation, Message: message, Status: http.StatusBadRequest}
}

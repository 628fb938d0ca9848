package firehose

import (
	"errors"
	"fmt"
)

// Error kinds. Each maps to one AWS error code in the wire layer.
var (
	ErrNotFound               = errors.New("resource not found")
	ErrInUse                  = errors.New("resource in use")
	ErrInvalidArgument        = errors.New("invalid argument")
	ErrLimitExceeded          = errors.New("limit exceeded")
	ErrConcurrentModification = errors.New("concurrent modification")
	ErrInvalidKMSResource     = errors.New("invalid KMS resource")
	ErrUnavailable            = errors.New("service unavailable")
)

// Error is a domain failure with the exact text the caller should see.
type Error struct {
	Kind    error
	Message string
	// KMSCode is the KMS exception name behind an ErrInvalidKMSResource.
	KMSCode string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func invalidArgument(format string, args ...any) *Error {
	return newError(ErrInvalidArgument, format, args...)
}

func notFound(c Caller, name string) *Error {
	return newError(ErrNotFound, "Firehose %s under account %s not found.", name, c.AccountID)
}

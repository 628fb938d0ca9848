package awsproto

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// Identity is who made a request and in which account and region its
// resources live. The region comes from the SigV4 credential scope.
type Identity struct {
	AccessKeyID string
	AccountID   string
	Region      string
}

// Request is one decoded API call handed to an operation handler.
type Request struct {
	Operation string
	Body      []byte
	RequestID string
	Identity
	HTTP *http.Request
}

// Handler runs one operation. It returns the output value, which is
// marshalled as JSON (a RawJSON value is written as is), or an error: an
// *Error goes on the wire as it is, anything else becomes InternalFailure.
type Handler func(ctx context.Context, req *Request) (any, error)

// RawJSON is an already-encoded output body, for hot paths that encode
// their responses by hand.
type RawJSON []byte

// Service is one JSON 1.1 service reachable through X-Amz-Target.
type Service struct {
	// TargetPrefix is the part of X-Amz-Target before the dot, for example
	// "Firehose_20150804".
	TargetPrefix string
	// SigningName is the SigV4 service name the credential scope must carry.
	SigningName string
	Operations  map[string]Handler
}

type validator interface{ Validate() error }

// DecodeInput unmarshals the request body into v and, when v has a
// Validate method (every generated input type does), validates it.
// Malformed JSON and wrong JSON types become SerializationException, and a
// failed validation becomes ValidationException with the model's message.
func DecodeInput(req *Request, v any) error {
	if err := Unmarshal(req.Body, v); err != nil {
		return err
	}
	if val, ok := v.(validator); ok {
		if err := val.Validate(); err != nil {
			return Validation(err.Error())
		}
	}
	return nil
}

// Unmarshal decodes a JSON 1.1 body. An empty body means "{}", which is what
// SDKs send for operations without input.
func Unmarshal(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return Errorf(CodeSerialization, "Unexpected value type for field %s", typeErr.Field)
		}
		// The real service answers malformed input with a bare
		// SerializationException; a message helps humans and is ignored by SDKs.
		return Errorf(CodeSerialization, "Malformed request body: %v", err)
	}
	return nil
}

// requestIDKey is the context key of the request id.
type requestIDKey struct{}

// ContextWithRequestID returns ctx carrying the request id, so that code
// called with the request (authenticators, handlers) can log it. Other
// protocol front ends sharing the port (the S3 API) may use it too.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFromContext returns the request id ctx carries, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

package awsproto

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
)

// Authenticator decides who a request comes from. It sees the whole body
// because SigV4 signs its hash. A rejection must be an *Error.
// signingName is the SigV4 service name the endpoint answers for
// ("firehose", "kms", and "s3" for the bucket-store API that shares the
// port); implementations must accept any of them. The request id is in
// r.Context() (RequestIDFromContext) for logging.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte, signingName string) (Identity, error)
}

// PreAuthenticator is an optional extension of Authenticator: Server calls
// PreAuthenticate before it reads the body, so that requests which can be
// refused from their headers alone (no signature, an unknown access key)
// cost no body buffer. A rejection must be an *Error; nil lets the request
// go on to Authenticate, which makes the full check.
type PreAuthenticator interface {
	PreAuthenticate(r *http.Request, signingName string) error
}

// Config tunes a Server.
type Config struct {
	// MaxBodyBytes bounds a request body; larger bodies are refused before
	// they are read whole.
	MaxBodyBytes int64
	// MaxInFlight bounds the requests served at once; beyond it callers get
	// ServiceUnavailableException, which every SDK retries. 0 means no bound.
	MaxInFlight int
}

// Server answers AWS JSON 1.1 requests for a set of services.
type Server struct {
	cfg      Config
	log      *slog.Logger
	auth     Authenticator
	services map[string]*Service
	inFlight chan struct{}
}

// NewServer builds a Server for the given services.
func NewServer(cfg Config, log *slog.Logger, auth Authenticator, services ...*Service) *Server {
	s := &Server{cfg: cfg, log: log, auth: auth, services: make(map[string]*Service)}
	for _, svc := range services {
		s.services[svc.TargetPrefix] = svc
	}
	if cfg.MaxInFlight > 0 {
		s.inFlight = make(chan struct{}, cfg.MaxInFlight)
	}
	return s
}

// IsJSONRequest reports whether r is meant for this layer rather than for
// the S3 API or the operational endpoints sharing the port.
func IsJSONRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") != ""
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	r = r.WithContext(ContextWithRequestID(r.Context(), requestID))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p) // net/http's way to abort a response on purpose
			}
			s.log.Error("panic in handler", "request_id", requestID, "target", r.Header.Get("X-Amz-Target"),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			writeError(w, errInternal)
		}
	}()

	if s.inFlight != nil {
		select {
		case s.inFlight <- struct{}{}:
			defer func() { <-s.inFlight }()
		default:
			writeError(w, &Error{Code: CodeServiceUnavail, Message: "Slow down.", Status: http.StatusServiceUnavailable})
			return
		}
	}

	out, body, err := s.serve(w, r, requestID)
	// Handlers copy what they keep out of the body (decoders copy, the
	// record path decodes into its own buffers), so once the answer is
	// written the body's buffer can serve the next request.
	defer recycleBody(body)
	if err != nil {
		var apiErr *Error
		if !errors.As(err, &apiErr) {
			s.log.Error("internal failure", "request_id", requestID, "target", r.Header.Get("X-Amz-Target"), "err", err)
			apiErr = errInternal
		}
		writeError(w, apiErr)
		return
	}
	writeOutput(w, out, s.log, requestID)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, requestID string) (out any, body []byte, err error) {
	if r.Method != http.MethodPost {
		return nil, nil, Errorf(CodeUnknownOperation, "")
	}
	prefix, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	svc := s.services[prefix]
	if svc == nil {
		return nil, nil, &Error{Code: CodeUnknownOperation, Status: http.StatusBadRequest}
	}
	handler := svc.Operations[op]
	if handler == nil {
		return nil, nil, &Error{Code: CodeUnknownOperation, Status: http.StatusBadRequest}
	}
	if pre, ok := s.auth.(PreAuthenticator); ok {
		if err := pre.PreAuthenticate(r, svc.SigningName); err != nil {
			// The body is unread: closing the connection after the answer keeps
			// net/http from reading (discarding) it first, so an unauthenticated
			// client can make the server neither buffer nor wait for a body.
			w.Header().Set("Connection", "close")
			return nil, nil, err
		}
	}
	body, err = s.readBody(r)
	if err != nil {
		// The rest of the body is unread; do not let net/http drain it.
		w.Header().Set("Connection", "close")
		return nil, body, err
	}
	id, err := s.auth.Authenticate(r, body, svc.SigningName)
	if err != nil {
		return nil, body, err
	}
	req := &Request{Operation: op, Body: body, RequestID: requestID, Identity: id, HTTP: r}
	out, err = handler(r.Context(), req)
	return out, body, err
}

func (s *Server) readBody(r *http.Request) ([]byte, error) {
	limit := s.cfg.MaxBodyBytes
	if limit > 0 && r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	var reader io.Reader = r.Body
	if limit > 0 {
		reader = io.LimitReader(r.Body, limit+1)
	}
	// Content-Length is a hint: a client that declares megabytes and sends
	// them slowly must not pin that much memory up front.
	size := r.ContentLength
	if size < 0 || size > 1<<20 {
		size = 512
	}
	buf := newBody(int(size) + 1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := reader.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, Errorf(CodeSerialization, "Could not read request body: %v", err)
		}
	}
	if limit > 0 && int64(len(buf)) > limit {
		return buf, tooLarge(limit)
	}
	return buf, nil
}

func tooLarge(limit int64) *Error {
	return &Error{
		Code:    CodeEntityTooLarge,
		Message: fmt.Sprintf("Request body is larger than the limit of %d bytes.", limit),
		Status:  http.StatusRequestEntityTooLarge,
	}
}

const contentType = "application/x-amz-json-1.1"

func writeOutput(w http.ResponseWriter, out any, log *slog.Logger, requestID string) {
	var body []byte
	switch v := out.(type) {
	case RawJSON:
		body = v
	case nil:
		body = []byte("{}")
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			log.Error("encode output", "request_id", requestID, "err", err)
			writeError(w, errInternal)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// WriteError writes e in the AWS JSON error envelope. It is exported for
// the few handlers outside Server (such as authentication middleware) that
// must answer in the same shape.
func WriteError(w http.ResponseWriter, e *Error) { writeError(w, e) }

func writeError(w http.ResponseWriter, e *Error) {
	fields := make(map[string]any, len(e.Fields)+2)
	for k, v := range e.Fields {
		fields[k] = v
	}
	fields["__type"] = e.Code
	if e.Message != "" {
		fields["message"] = e.Message
	}
	body, _ := json.Marshal(fields)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("x-amzn-ErrorType", e.Code)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// newRequestID returns a random UUID-shaped id, as AWS request ids are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

package awsproto

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// allow is an Authenticator that accepts everyone, recording the request id it saw.
type allow struct {
	mu  sync.Mutex
	ids []string
}

func (a *allow) Authenticate(r *http.Request, _ []byte, _ string) (Identity, error) {
	a.mu.Lock()
	a.ids = append(a.ids, RequestIDFromContext(r.Context()))
	a.mu.Unlock()
	return Identity{AccountID: "000000000000", Region: "us-east-1"}, nil
}

// refuseEarly refuses every request before its body is read.
type refuseEarly struct{ allow }

func (*refuseEarly) PreAuthenticate(*http.Request, string) error {
	return &Error{Code: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusBadRequest}
}

type wireError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func newTestServer(t *testing.T, cfg Config, auth Authenticator, logs io.Writer, ops map[string]Handler) *httptest.Server {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	s := NewServer(cfg, slog.New(slog.NewTextHandler(logs, nil)), auth, &Service{TargetPrefix: "Test_1", SigningName: "test", Operations: ops})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, url, op, body string) (int, http.Header, wireError) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Test_1."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	var e wireError
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("%s: error body %q is not JSON: %v", op, raw, err)
		}
		if got := resp.Header.Get("X-Amzn-Errortype"); got != e.Type {
			t.Fatalf("x-amzn-ErrorType %q disagrees with __type %q", got, e.Type)
		}
	}
	return resp.StatusCode, resp.Header, e
}

// TestPanicIsInternalFailure: a handler that panics answers InternalFailure, logs the panic
// with the request id, and leaves the server serving.
func TestPanicIsInternalFailure(t *testing.T) {
	var logs syncBuffer
	srv := newTestServer(t, Config{}, &allow{}, &logs, map[string]Handler{
		"Boom": func(context.Context, *Request) (any, error) { panic("kaboom") },
		"Ok":   func(context.Context, *Request) (any, error) { return map[string]int{"N": 1}, nil },
	})
	status, h, e := call(t, srv.URL, "Boom", "{}")
	if status != http.StatusInternalServerError || e.Type != CodeInternalFailure || strings.Contains(e.Message, "kaboom") {
		t.Fatalf("panic answered %d %+v", status, e)
	}
	id := h.Get("X-Amzn-Requestid")
	if id == "" || !strings.Contains(logs.String(), id) || !strings.Contains(logs.String(), "kaboom") {
		t.Fatalf("panic log lacks request id %q or the panic value:\n%s", id, logs.String())
	}
	if status, _, _ := call(t, srv.URL, "Ok", "{}"); status != http.StatusOK {
		t.Fatalf("after a panic the server answers %d", status)
	}
}

// TestAbortHandlerPanicPropagates: http.ErrAbortHandler is net/http's way to abort a response
// on purpose; the recovery must let it through (the client sees the connection closed).
func TestAbortHandlerPanicPropagates(t *testing.T) {
	srv := newTestServer(t, Config{}, &allow{}, nil, map[string]Handler{
		"Abort": func(context.Context, *Request) (any, error) { panic(http.ErrAbortHandler) },
	})
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Test_1.Abort")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("aborted handler answered %d", resp.StatusCode)
	}
}

// TestMaxInFlight: beyond the bound, callers get ServiceUnavailableException (503), and once a
// slot is free again requests are served.
func TestMaxInFlight(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv := newTestServer(t, Config{MaxInFlight: 1}, &allow{}, nil, map[string]Handler{
		"Hold": func(context.Context, *Request) (any, error) {
			entered <- struct{}{}
			<-release
			return nil, nil
		},
		"Ok": func(context.Context, *Request) (any, error) { return nil, nil },
	})
	done := make(chan int)
	go func() {
		status, _, _ := call(t, srv.URL, "Hold", "{}")
		done <- status
	}()
	<-entered
	status, _, e := call(t, srv.URL, "Ok", "{}")
	if status != http.StatusServiceUnavailable || e.Type != CodeServiceUnavail {
		t.Fatalf("over the bound: %d %+v, want 503 ServiceUnavailableException", status, e)
	}
	close(release)
	if status := <-done; status != http.StatusOK {
		t.Fatalf("held request answered %d", status)
	}
	if status, _, _ := call(t, srv.URL, "Ok", "{}"); status != http.StatusOK {
		t.Fatalf("after the slot freed: %d", status)
	}
}

// TestBodyLimitBeforeReading: a Content-Length over the limit is refused from the headers,
// without waiting for a body the client never sends.
func TestBodyLimitBeforeReading(t *testing.T) {
	srv := newTestServer(t, Config{MaxBodyBytes: 1 << 20}, &allow{}, nil, map[string]Handler{
		"Ok": func(context.Context, *Request) (any, error) { return nil, nil },
	})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Test_1.Ok\r\nContent-Length: %d\r\n\r\n{", 100<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to an oversized Content-Length: %v", err)
	}
	defer resp.Body.Close()
	var e wireError
	_ = json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Type != CodeEntityTooLarge {
		t.Fatalf("oversized Content-Length: %d %+v", resp.StatusCode, e)
	}

	// Without a Content-Length (chunked), reading stops one byte past the limit.
	big := bytes.Repeat([]byte("a"), 2<<20)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("X-Amz-Target", "Test_1.Ok")
	req.ContentLength = -1
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Body.Close()
	if r2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized chunked body: %d", r2.StatusCode)
	}
}

// TestPreAuthenticateBeforeBody: a PreAuthenticator refuses from the headers alone, so an
// unauthenticated client cannot make the server buffer a body.
func TestPreAuthenticateBeforeBody(t *testing.T) {
	srv := newTestServer(t, Config{MaxBodyBytes: 1 << 20}, &refuseEarly{}, nil, map[string]Handler{
		"Ok": func(context.Context, *Request) (any, error) { return nil, nil },
	})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Announce a body within the limit but never send it: only a check that does not read
	// the body can answer.
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Test_1.Ok\r\nContent-Length: 1000\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
}

func TestRequestIDInContext(t *testing.T) {
	a := &allow{}
	var seen string
	srv := newTestServer(t, Config{}, a, nil, map[string]Handler{
		"Ok": func(ctx context.Context, req *Request) (any, error) {
			seen = RequestIDFromContext(ctx)
			return nil, nil
		},
	})
	_, h, _ := call(t, srv.URL, "Ok", "{}")
	id := h.Get("X-Amzn-Requestid")
	if id == "" || seen != id || len(a.ids) != 1 || a.ids[0] != id {
		t.Fatalf("request id %q; handler saw %q, authenticator saw %v", id, seen, a.ids)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

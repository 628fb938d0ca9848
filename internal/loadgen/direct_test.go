package loadgen

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// connCountingServer is an HTTP server that counts the connections it
// accepted, so a test can tell reuse from redialling.
func connCountingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func newTestDirectClient(srv *httptest.Server) *directClient {
	return newDirectClient(strings.TrimPrefix(srv.URL, "http://"), 4)
}

// post sends body to srv through d and returns the response body.
func post(t *testing.T, d *directClient, url, body string) (string, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := d.Do(req)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	return string(got), resp
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Path", r.URL.Path)
	_, _ = w.Write(append([]byte("echo:"), body...))
}

func TestDirectClientReusesItsConnection(t *testing.T) {
	srv, conns := connCountingServer(t, echo)
	d := newTestDirectClient(srv)
	for i := range 20 {
		body := strings.Repeat("x", i*1000)
		got, resp := post(t, d, srv.URL+"/p", body)
		if got != "echo:"+body || resp.StatusCode != http.StatusOK || resp.Header.Get("X-Path") != "/p" {
			t.Fatalf("call %d: status %d, X-Path %q, body of %d bytes; want the echo of %d bytes",
				i, resp.StatusCode, resp.Header.Get("X-Path"), len(got), len(body)+5)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("20 calls in turn opened %d connections, want 1", n)
	}
}

// A caller that closes a body unread must not leave its bytes in front of
// the next response on the connection.
func TestDirectClientDrainsAnUnreadBody(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 10_000)
	srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = w.Write(big)
			return
		}
		echo(w, r)
	})
	d := newTestDirectClient(srv)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/big", nil)
	resp, err := d.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := post(t, d, srv.URL+"/small", "after"); got != "echo:after" {
		t.Fatalf("the call after an unread body got %q", got)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("opened %d connections, want 1 (the drained one reused)", n)
	}
}

func TestDirectClientHonoursConnectionClose(t *testing.T) {
	srv, conns := connCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		echo(w, r)
	})
	d := newTestDirectClient(srv)
	for i := range 3 {
		if got, _ := post(t, d, srv.URL, "c"); got != "echo:c" {
			t.Fatalf("call %d got %q", i, got)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("3 calls answered with Connection: close used %d connections, want 3", n)
	}
}

// When the server drops a kept-alive connection between calls, the next
// call goes out again on a new connection, with its whole body.
func TestDirectClientResendsWhenAnIdleConnectionWasClosed(t *testing.T) {
	srv, conns := connCountingServer(t, echo)
	d := newTestDirectClient(srv)
	if got, _ := post(t, d, srv.URL, "first"); got != "echo:first" {
		t.Fatalf("first call got %q", got)
	}
	srv.CloseClientConnections()
	if got, _ := post(t, d, srv.URL, "second"); got != "echo:second" {
		t.Fatalf("call after the server closed the connection got %q", got)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("opened %d connections, want 2", n)
	}
}

func TestDirectClientGivesUpOnAServerThatDoesNotAnswer(t *testing.T) {
	release := make(chan struct{})
	srv, _ := connCountingServer(t, func(http.ResponseWriter, *http.Request) { <-release })
	defer close(release) // before srv.Close, which waits for the handler
	d := newTestDirectClient(srv)
	d.timeout = 50 * time.Millisecond
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("x"))
	if resp, err := d.Do(req); err == nil || !isTimeout(err) {
		t.Fatalf("Do against a silent server = %v, %v; want a timeout error", resp, err)
	}
	if len(d.idle) != 0 {
		t.Fatal("the timed-out connection was kept for reuse")
	}
}

func TestDirectClientRefusesHTTPS(t *testing.T) {
	d := newDirectClient("127.0.0.1:1", 1)
	req, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1:1/", nil)
	if _, err := d.Do(req); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("Do(https) = %v, want a refusal", err)
	}
}

// writeRequest must put on the wire what net/http's writer would mean:
// a server reading either gets the same request.
func TestWriteRequestMatchesNetHTTP(t *testing.T) {
	type build func() *http.Request
	withHeader := func(method, body string, h http.Header) build {
		return func() *http.Request {
			var r *http.Request
			if body == "" {
				r, _ = http.NewRequest(method, "http://127.0.0.1:4573/a%20b/?x=1&y=%2F", nil)
			} else {
				r, _ = http.NewRequest(method, "http://127.0.0.1:4573/", strings.NewReader(body))
			}
			for k, vs := range h {
				r.Header[k] = vs
			}
			return r
		}
	}
	sdkHeaders := http.Header{
		"Content-Type":    {"application/x-amz-json-1.1"},
		"X-Amz-Target":    {"Firehose_20150804.PutRecord"},
		"Authorization":   {"AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"},
		"X-Amz-Date":      {"20261123T020000Z"},
		"Amz-Sdk-Request": {"attempt=1; max=1"},
		"Content-Length":  {"999"}, // ignored, as net/http ignores it: ContentLength decides
		"Accept":          {"a", "b"},
	}
	unknownLength := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4573/", io.NopCloser(strings.NewReader("chunked body")))
		return r
	}
	for name, mk := range map[string]build{
		"SDK PutRecord":          withHeader(http.MethodPost, `{"DeliveryStreamName":"s","Record":{"Data":"eA=="}}`, sdkHeaders),
		"GET with a query":       withHeader(http.MethodGet, "", http.Header{"X-A": {"1"}}),
		"POST without a body":    withHeader(http.MethodPost, "", nil),
		"unknown length":         unknownLength,
		"a value with a newline": withHeader(http.MethodPost, "x", http.Header{"X-Bad": {"a\r\nX-Injected: 1"}}),
	} {
		var direct, standard bytes.Buffer
		bw := bufio.NewWriter(&direct)
		if err := writeRequest(bw, mk()); err != nil {
			t.Fatalf("%s: writeRequest: %v", name, err)
		}
		bw.Flush()
		if err := mk().Write(&standard); err != nil {
			t.Fatalf("%s: net/http: %v", name, err)
		}
		got, want := readBack(t, &direct), readBack(t, &standard)
		if got != want {
			t.Errorf("%s: a server reads\n%s\nwant (as from net/http)\n%s", name, got, want)
		}
	}
}

// readBack parses one request as a server would and describes it, leaving
// out the User-Agent net/http adds and the SDK sets itself.
func readBack(t *testing.T, wire io.Reader) string {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(wire))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Del("User-Agent")
	r.Header.Del("Content-Length")
	r.Header.Del("Transfer-Encoding")
	var h bytes.Buffer
	_ = r.Header.Write(&h)
	return r.Method + " " + r.RequestURI + " host=" + r.Host + " length=" + strconv.FormatInt(r.ContentLength, 10) +
		" chunked=" + strconv.FormatBool(len(r.TransferEncoding) > 0) + "\n" + h.String() + "body=" + string(body)
}

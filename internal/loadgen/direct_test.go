package loadgen

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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

package http1

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer serves a handler that echoes how it was reached: "fast" or
// "net/http", the method, the body it read, and the X-Amz-Target.
func startServer(t *testing.T, configure func(*http.Server)) (addr string, srv *Server) {
	t.Helper()
	fb := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := "net/http"
		if _, fast := w.(*response); fast {
			path = "fast"
		}
		if r.Header.Get("X-Leave-Body") != "" {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "%s %s left", path, r.Method)
			return
		}
		if r.Header.Get("X-Close") != "" {
			w.Header().Set("Connection", "close")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s %s %s", path, r.Method, body, r.Header.Get("X-Amz-Target"))
	})}
	if configure != nil {
		configure(fb)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv = New(fb)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != http.ErrServerClosed {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ln.Addr().String(), srv
}

func post(target, body string, extra ...string) string {
	return "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: " + target + "\r\n" + strings.Join(extra, "") +
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, conn: conn, br: bufio.NewReader(conn)}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads one response and checks its status and body.
func (c *client) expect(status int, body string) *http.Response {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != status || string(got) != body {
		c.t.Fatalf("got %d %q, want %d %q", resp.StatusCode, got, status, body)
	}
	return resp
}

// expectClosed checks that the server closes the connection, after
// whatever it answers first.
func (c *client) expectClosed() {
	c.t.Helper()
	if _, err := io.Copy(io.Discard, c.br); err != nil {
		c.t.Fatalf("connection not closed: %v", err)
	}
}

// TestKeepAliveAndPipelining: AWS JSON calls on one connection, one at a
// time and several in one write, are served by the fast path in order,
// with the headers net/http would send.
func TestKeepAliveAndPipelining(t *testing.T) {
	addr, _ := startServer(t, nil)
	c := dial(t, addr)
	c.send(post("A.One", "{}"))
	resp := c.expect(http.StatusAccepted, "fast POST {} A.One")
	if resp.Close || resp.Header.Get("Date") == "" || resp.Header.Get("Content-Type") != "text/plain" || resp.ContentLength != int64(len("fast POST {} A.One")) {
		t.Fatalf("response head: close=%v %v", resp.Close, resp.Header)
	}
	c.send(post("A.Two", "x") + post("A.Three", "") + post("A.Four", strings.Repeat("z", 100_000)))
	c.expect(http.StatusAccepted, "fast POST x A.Two")
	c.expect(http.StatusAccepted, "fast POST  A.Three")
	c.expect(http.StatusAccepted, "fast POST "+strings.Repeat("z", 100_000)+" A.Four")
}

// TestHandOffToNetHTTP: a request the fast path does not take makes the
// connection net/http's, bytes already read included, for good.
func TestHandOffToNetHTTP(t *testing.T) {
	addr, _ := startServer(t, nil)
	cases := map[string]struct{ raw, want string }{
		"GET":         {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", "net/http GET  "},
		"no target":   {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nb", "net/http POST b "},
		"chunked":     {"POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: A.B\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "net/http POST abc A.B"},
		"large head":  {post("A.B", "big", "X-Pad: "+strings.Repeat("p", 8<<10)+"\r\n"), "net/http POST big A.B"},
		"path":        {"POST /other HTTP/1.1\r\nHost: h\r\nX-Amz-Target: A.B\r\nContent-Length: 1\r\n\r\nq", "net/http POST q A.B"},
		"HTTP/1.0":    {"POST / HTTP/1.0\r\nHost: h\r\nX-Amz-Target: A.B\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\nv", "net/http POST v A.B"},
		"bare LF":     {"POST / HTTP/1.1\nHost: h\nX-Amz-Target: A.B\nContent-Length: 1\n\nl", "net/http POST l A.B"},
		"split write": {"", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			c.send(post("A.First", "1"))
			c.expect(http.StatusAccepted, "fast POST 1 A.First")
			if name == "split write" {
				// A head arriving in pieces is still the fast path's.
				raw := post("A.Split", "s")
				c.send(raw[:10])
				time.Sleep(20 * time.Millisecond)
				c.send(raw[10:])
				c.expect(http.StatusAccepted, "fast POST s A.Split")
				return
			}
			c.send(tc.raw)
			c.expect(http.StatusAccepted, tc.want)
			if name == "HTTP/1.0" {
				return
			}
			c.send(post("A.After", "2"))
			c.expect(http.StatusAccepted, "net/http POST 2 A.After")
		})
	}
}

// TestMalformedGoesToNetHTTP: net/http answers what it cannot parse.
func TestMalformedGoesToNetHTTP(t *testing.T) {
	addr, _ := startServer(t, nil)
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: A.B\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc")
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
}

// TestExpectContinue: net/http sends 100 Continue before the body.
func TestExpectContinue(t *testing.T) {
	addr, _ := startServer(t, nil)
	c := dial(t, addr)
	c.send("POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: A.B\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
	line, err := c.br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("got %q, %v; want 100 Continue", line, err)
	}
	if _, err := c.br.ReadString('\n'); err != nil { // the blank line after it
		t.Fatal(err)
	}
	c.send("{}")
	c.expect(http.StatusAccepted, "net/http POST {} A.B")
}

// TestConnectionClose: a client's or a handler's Connection: close ends
// the connection after the response, which says so.
func TestConnectionClose(t *testing.T) {
	addr, _ := startServer(t, nil)
	c := dial(t, addr)
	c.send(post("A.B", "1", "Connection: close\r\n"))
	if resp := c.expect(http.StatusAccepted, "fast POST 1 A.B"); !resp.Close {
		t.Fatal("response does not say Connection: close")
	}
	c.expectClosed()

	c = dial(t, addr)
	c.send(post("A.B", "2", "X-Close: 1\r\n"))
	if resp := c.expect(http.StatusAccepted, "fast POST 2 A.B"); !resp.Close {
		t.Fatal("response does not say Connection: close")
	}
	c.expectClosed()
}

// TestUnreadBody: a body the handler leaves unread is discarded so the
// connection goes on, unless it is too large to be worth reading.
func TestUnreadBody(t *testing.T) {
	addr, _ := startServer(t, nil)
	c := dial(t, addr)
	c.send(post("A.B", "ignored", "X-Leave-Body: 1\r\n"))
	c.expect(http.StatusOK, "fast POST left")
	c.send(post("A.Next", "n"))
	c.expect(http.StatusAccepted, "fast POST n A.Next")

	c = dial(t, addr)
	go func() {
		_, _ = io.WriteString(c.conn, post("A.B", strings.Repeat("x", maxDrain+1), "X-Leave-Body: 1\r\n"))
	}()
	if resp := c.expect(http.StatusOK, "fast POST left"); !resp.Close {
		t.Fatal("response does not say Connection: close")
	}
}

// TestTimeouts: a head or body that stops arriving, and a connection left
// idle, are closed under the net/http server's timeouts.
func TestTimeouts(t *testing.T) {
	addr, _ := startServer(t, func(s *http.Server) {
		s.ReadHeaderTimeout = 200 * time.Millisecond
		s.ReadTimeout = 400 * time.Millisecond
		s.IdleTimeout = 300 * time.Millisecond
	})
	for name, raw := range map[string]string{
		"first head": "POST / HTTP/1.1\r\nHost: h\r\n",
		"body":       "POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: A.B\r\nContent-Length: 10\r\n\r\nabc",
		"idle":       "",
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			if name == "idle" {
				c.send(post("A.B", "1"))
				c.expect(http.StatusAccepted, "fast POST 1 A.B")
			} else {
				c.send(raw)
			}
			c.expectClosed()
		})
	}
	t.Run("later head", func(t *testing.T) {
		c := dial(t, addr)
		c.send(post("A.B", "1"))
		c.expect(http.StatusAccepted, "fast POST 1 A.B")
		c.send("POST / HTTP/1.1\r\nHost: h\r\n") // and nothing more
		c.expectClosed()
	})
}

// TestShutdown: an idle connection is closed, a request in progress is
// answered, and new connections are refused.
func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	fb := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "A.Slow" {
			<-release
		}
		_, _ = io.WriteString(w, "done")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(fb)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	idle := dial(t, addr)
	idle.send(post("A.B", ""))
	idle.expect(http.StatusOK, "done")
	busy := dial(t, addr)
	busy.send(post("A.Slow", ""))
	time.Sleep(50 * time.Millisecond) // let the slow call reach its handler

	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	idle.expectClosed()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if resp := busy.expect(http.StatusOK, "done"); !resp.Close {
		t.Fatal("the last response does not say Connection: close")
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Fatalf("Serve returned %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("a new connection was accepted after Shutdown")
	}
}

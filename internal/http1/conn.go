package http1

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// readBufferSize bounds the request heads the fast path parses; a larger
// head goes to net/http, which has its own limit (MaxHeaderBytes).
const readBufferSize = 4 << 10

// maxDrain is how much of a body the handler left unread is discarded to
// keep the connection; beyond it the connection is closed (net/http's
// figure).
const maxDrain = 256 << 10

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

type conn struct {
	srv    *Server
	rwc    net.Conn
	idle   atomic.Bool // waiting for a request: Shutdown may close it
	remote string
	ctx    context.Context
	out    []byte // the response as written, reused
	body   []byte // the handler's response body, reused
	// unreadBody is set when the connection ends with part of a request
	// body unread: closing at once would reset it under a client still
	// sending, which may then never read the answer.
	unreadBody bool
}

// rstAvoidanceDelay is how long a connection closed with a request body
// unread stays half-open, so the client reads the answer before the reset
// that closing a socket with unread data sends (net/http's figure).
const rstAvoidanceDelay = 500 * time.Millisecond

func (c *conn) closeWriteAndWait() {
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		time.Sleep(rstAvoidanceDelay)
	}
}

func (c *conn) serve() {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(c.rwc)
	handedOff := false
	c.remote = c.rwc.RemoteAddr().String()
	ctx := context.WithValue(context.Background(), http.ServerContextKey, c.srv.fallback)
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, c.rwc.LocalAddr())
	ctx, cancel := context.WithCancel(ctx)
	c.ctx = ctx
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			c.srv.logf("http1: panic serving %s: %v\n%s", c.remote, p, debug.Stack())
		}
		cancel()
		c.srv.forget(c)
		if !handedOff {
			if c.unreadBody {
				c.closeWriteAndWait()
			}
			_ = c.rwc.Close()
			br.Reset(nil)
			readerPool.Put(br)
		}
	}()

	fb := c.srv.fallback
	for first := true; ; first = false {
		c.idle.Store(true)
		if c.srv.closing.Load() {
			return
		}
		// A new connection's first request is read under the header
		// deadline at once, as net/http does; later ones first wait idle.
		start := time.Now()
		if first {
			c.setReadDeadline(start, fb.ReadHeaderTimeout, fb.ReadTimeout)
		} else {
			c.setReadDeadline(start, c.srv.idleTimeout(), 0)
		}
		if _, err := br.Peek(1); err != nil {
			return
		}
		c.idle.Store(false)
		if !first {
			start = time.Now()
		}
		h, ok, err := c.readHead(br, start, !first)
		if err != nil {
			return
		}
		if !ok {
			handedOff = true
			_ = c.rwc.SetReadDeadline(time.Time{})
			c.srv.handoff.give(&replayConn{Conn: c.rwc, r: br})
			return
		}
		if !c.serveRequest(br, h, start) {
			return
		}
	}
}

// setReadDeadline sets the read deadline start+d, or start+fallback when d
// is zero, or none.
func (c *conn) setReadDeadline(start time.Time, d, fallback time.Duration) {
	if d == 0 {
		d = fallback
	}
	var t time.Time
	if d > 0 {
		t = start.Add(d)
	}
	_ = c.rwc.SetReadDeadline(t)
}

// readHead reads the request head into br's buffer and parses it. ok is
// false when the request is for net/http; the head is then still unread
// in br. A head that arrived whole with its first read costs no deadline
// change; one still arriving is read under ReadHeaderTimeout.
func (c *conn) readHead(br *bufio.Reader, start time.Time, setDeadline bool) (h head, ok bool, err error) {
	fb := c.srv.fallback
	for {
		buf, _ := br.Peek(br.Buffered())
		if end := headEnd(buf); end > 0 {
			h, ok = parseHead(buf[:end])
			if ok {
				_, _ = br.Discard(end)
			}
			return h, ok, nil
		}
		if len(buf) == br.Size() {
			return head{}, false, nil
		}
		if setDeadline {
			c.setReadDeadline(start, fb.ReadHeaderTimeout, fb.ReadTimeout)
			setDeadline = false
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return head{}, false, err // timed out or gone: close, as net/http does
		}
	}
}

// headEnd returns the length of the request head at the start of buf, up
// to and including its first empty line, or 0 if buf holds no empty line
// yet. Lines may end in a bare LF, which net/http tolerates: parseHead
// then refuses the head and net/http reads it.
func headEnd(buf []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j + 1
		if rest := buf[i:]; len(rest) > 0 && rest[0] == '\n' {
			return i + 1
		} else if len(rest) > 1 && rest[0] == '\r' && rest[1] == '\n' {
			return i + 2
		}
	}
}

// serveRequest runs the handler for one request and writes its response.
// It reports whether the connection can serve another request.
func (c *conn) serveRequest(br *bufio.Reader, h head, start time.Time) bool {
	fb := c.srv.fallback
	b := &body{c: c, br: br, remaining: h.contentLength, start: start}
	r := &http.Request{
		Method:        http.MethodPost,
		URL:           &url.URL{Path: "/"},
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h.header,
		Body:          http.NoBody,
		ContentLength: h.contentLength,
		Close:         h.close,
		Host:          h.host,
		RemoteAddr:    c.remote,
		RequestURI:    "/",
	}
	if h.contentLength > 0 {
		r.Body = b
	}
	r = r.WithContext(c.ctx)
	w := &response{header: make(http.Header, 4), body: c.body[:0]}
	fb.Handler.ServeHTTP(w, r)

	keep := !h.close && !c.srv.closing.Load() && !hasToken(w.header.Get("Connection"), "close")
	if keep && b.remaining > 0 {
		// Discard what the handler left unread, within the body's read
		// deadline, or give the connection up.
		keep = b.remaining <= maxDrain && b.discard() == nil
	}
	if fb.WriteTimeout > 0 {
		_ = c.rwc.SetWriteDeadline(time.Now().Add(fb.WriteTimeout))
	}
	c.unreadBody = b.remaining > 0
	c.out = w.appendTo(c.out[:0], !keep)
	_, err := c.rwc.Write(c.out)
	c.body = w.body
	if cap(c.out) > 64<<10 {
		// An idle connection keeps no large buffers.
		c.out, c.body = nil, nil
	}
	return keep && err == nil
}

// body reads a request body of known length from the connection's reader.
// Its read deadline (ReadTimeout from the start of the request) is set
// only if the body is not already buffered.
type body struct {
	c           *conn
	br          *bufio.Reader
	remaining   int64
	start       time.Time
	deadlineSet bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	if !b.deadlineSet && int64(b.br.Buffered()) < b.remaining {
		b.deadlineSet = true
		b.c.setReadDeadline(b.start, b.c.srv.fallback.ReadTimeout, 0)
	}
	n, err := b.br.Read(p)
	b.remaining -= int64(n)
	switch {
	case b.remaining == 0:
		return n, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *body) Close() error { return nil }

func (b *body) discard() error {
	_, err := io.Copy(io.Discard, b)
	return err
}

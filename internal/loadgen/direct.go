package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// directClient is the HTTP client under the SDK when the generator runs
// with its direct transport: each exchange happens on the calling goroutine,
// over a kept-alive HTTP/1.1 connection of its own; requests are written by
// writeRequest and responses parsed by net/http's http.ReadResponse.
//
// Why: net/http's Transport hands every request to a per-connection write
// goroutine and every response back from a read goroutine. On a machine
// where the generator and the server share two cores, those hand-offs
// (select, channel wake-ups, context switches) are CPU the server does not
// get. The SDK above it is untouched: serializing, signing, retries off,
// deserializing and error mapping are the SDK's own, through its HTTPClient
// option, as any SDK user may plug in a client.
type directClient struct {
	dial    func() (net.Conn, error)
	idle    chan *directConn
	timeout time.Duration
}

type directConn struct {
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
}

// directCallTimeout bounds one exchange, so a stuck server fails the call
// (as a transport error) instead of hanging the run.
const directCallTimeout = 30 * time.Second

func newDirectClient(addr string, maxIdle int) *directClient {
	d := net.Dialer{Timeout: 5 * time.Second}
	return &directClient{
		dial:    func() (net.Conn, error) { return d.Dial("tcp", addr) },
		idle:    make(chan *directConn, maxIdle),
		timeout: directCallTimeout,
	}
}

// Do sends req and reads its response head; the body is read from the
// connection as the caller reads it, and closing it returns the connection
// for reuse when the exchange ended cleanly. Like a RoundTripper, it closes
// the request body whatever happens.
func (d *directClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.do(req)
	if err != nil && req.Body != nil {
		req.Body.Close()
	}
	return resp, err
}

func (d *directClient) do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("loadgen: direct transport speaks plain http, not %q", req.URL.Scheme)
	}
	dc, reused, err := d.get()
	if err != nil {
		return nil, err
	}
	resp, unanswered, err := d.exchange(dc, req)
	if err != nil && reused && unanswered && req.GetBody != nil {
		// The server closed the kept-alive connection before it took this
		// request (an idle timeout racing the call): send it again on a new
		// connection, as net/http does for requests that got no answer.
		body, berr := req.GetBody()
		if berr != nil {
			return nil, berr
		}
		req.Body = body
		if dc, err = d.newConn(); err != nil {
			return nil, err
		}
		resp, _, err = d.exchange(dc, req)
	}
	return resp, err
}

// exchange writes req on dc and reads the response head. On failure it
// closes dc and reports whether the server sent nothing back, so that the
// request may be sent again elsewhere.
func (d *directClient) exchange(dc *directConn, req *http.Request) (resp *http.Response, unanswered bool, err error) {
	deadline := time.Now().Add(d.timeout)
	if ctxDeadline, ok := req.Context().Deadline(); ok && ctxDeadline.Before(deadline) {
		deadline = ctxDeadline
	}
	if err = dc.conn.SetDeadline(deadline); err == nil {
		if err = writeRequest(dc.bw, req); err == nil {
			err = dc.bw.Flush()
		}
	}
	if err != nil {
		dc.conn.Close()
		return nil, !isTimeout(err), err
	}
	// Peek first: ReadResponse reports a connection closed before the first
	// byte as io.ErrUnexpectedEOF, like one closed mid-response.
	if _, err = dc.br.Peek(1); err != nil {
		dc.conn.Close()
		return nil, errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET), err
	}
	if resp, err = http.ReadResponse(dc.br, req); err != nil {
		dc.conn.Close()
		return nil, false, err
	}
	resp.Body = &directBody{body: resp.Body, conn: dc, owner: d, reuse: !resp.Close}
	return resp, false, nil
}

// writeRequest writes req on bw as HTTP/1.1. The SDK's requests (a body of
// known length, header values on one line) are written directly: net/http's
// general writer sorts and sanitizes the headers through pooled buffers,
// and skipping it saved the generator 5 µs of its 66 per PutRecord call.
// Any other request goes through net/http's writer.
func writeRequest(bw *bufio.Writer, req *http.Request) error {
	if !plainRequest(req) {
		return req.Write(bw)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for key, values := range req.Header {
		if ownHeaders[key] {
			continue
		}
		for _, v := range values {
			bw.WriteString(key)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	if req.ContentLength > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), req.ContentLength, 10))
		bw.WriteString("\r\n")
	}
	bw.WriteString("\r\n")
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	defer req.Body.Close()
	n, err := io.Copy(bw, req.Body)
	if err == nil && n != req.ContentLength {
		err = fmt.Errorf("loadgen: request body was %d bytes, its Content-Length %d", n, req.ContentLength)
	}
	return err
}

// ownHeaders are the headers writeRequest writes from the request's
// fields, not from its Header map, as net/http does.
var ownHeaders = map[string]bool{"Host": true, "Content-Length": true, "Transfer-Encoding": true}

// plainRequest reports whether writeRequest can write req itself: its body
// length is known and no header name or value could break a line.
func plainRequest(req *http.Request) bool {
	hasBody := req.Body != nil && req.Body != http.NoBody
	if req.ContentLength < 0 || (hasBody && req.ContentLength == 0) || (!hasBody && req.ContentLength > 0) {
		return false
	}
	if strings.ContainsAny(req.Host, "\r\n") || strings.ContainsAny(req.URL.Host, "\r\n") {
		return false
	}
	for key, values := range req.Header {
		if strings.ContainsAny(key, "\r\n: ") {
			return false
		}
		for _, v := range values {
			if strings.ContainsAny(v, "\r\n") {
				return false
			}
		}
	}
	return true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (d *directClient) get() (*directConn, bool, error) {
	select {
	case dc := <-d.idle:
		return dc, true, nil
	default:
		dc, err := d.newConn()
		return dc, false, err
	}
}

func (d *directClient) newConn() (*directConn, error) {
	conn, err := d.dial()
	if err != nil {
		return nil, err
	}
	return &directConn{conn: conn, br: bufio.NewReaderSize(conn, 16<<10), bw: bufio.NewWriterSize(conn, 16<<10)}, nil
}

// put keeps dc for a later call, or closes it when enough are idle.
func (d *directClient) put(dc *directConn) {
	select {
	case d.idle <- dc:
	default:
		dc.conn.Close()
	}
}

// CloseIdleConnections closes the kept-alive connections not in use.
func (d *directClient) CloseIdleConnections() {
	for {
		select {
		case dc := <-d.idle:
			dc.conn.Close()
		default:
			return
		}
	}
}

// directBody hands its connection back once the response is consumed.
type directBody struct {
	body  io.ReadCloser
	conn  *directConn
	owner *directClient
	reuse bool
	done  bool
	err   error
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// Close reads what is left of the body, so the next response on the
// connection starts where it should, then reuses or closes the connection.
func (b *directBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	if _, err := io.Copy(io.Discard, b.body); err != nil && b.err == nil {
		b.err = err
	}
	b.body.Close()
	if b.reuse && b.err == nil {
		b.owner.put(b.conn)
	} else {
		b.conn.conn.Close()
	}
	return nil
}

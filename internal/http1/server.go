package http1

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves a listener with a fast path for AWS JSON calls in front
// of a net/http server. The net/http server's Handler serves the fast
// path's requests too, and its ReadHeaderTimeout, ReadTimeout,
// WriteTimeout, IdleTimeout and ErrorLog apply to both.
type Server struct {
	fallback *http.Server
	handoff  *handoffListener

	mu       sync.Mutex
	listener net.Listener
	conns    map[*conn]struct{}
	closing  atomic.Bool
}

// New returns a Server in front of fallback, which must not be serving.
func New(fallback *http.Server) *Server {
	return &Server{fallback: fallback, conns: make(map[*conn]struct{})}
}

// Serve accepts connections on ln until Shutdown, like http.Server.Serve,
// and returns http.ErrServerClosed then.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.listener = ln
	s.handoff = newHandoffListener(ln.Addr())
	s.mu.Unlock()
	// It returns when Shutdown closes the hand-off listener.
	go func() { _ = s.fallback.Serve(s.handoff) }()

	var backoff time.Duration
	for {
		rw, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return http.ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				s.handoff.Close()
				return err
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does, instead of spinning or giving up.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logf("http1: accept error: %v; retrying in %v", err, backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if _, isTLS := rw.(*tls.Conn); isTLS {
			// net/http does the handshake and its deadlines.
			s.handoff.give(rw)
			continue
		}
		c := s.newConn(rw)
		if c == nil {
			return http.ErrServerClosed
		}
		go c.serve()
	}
}

// Shutdown stops accepting connections, closes idle ones, waits for the
// requests in progress (or ctx), then shuts the net/http server down.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	var lnErr error
	if s.listener != nil {
		lnErr = s.listener.Close()
	}
	s.mu.Unlock()

	waitErr := s.waitForConns(ctx)
	// Closes the hand-off listener too.
	fbErr := s.fallback.Shutdown(ctx)
	if errors.Is(lnErr, net.ErrClosed) {
		lnErr = nil
	}
	return errors.Join(waitErr, fbErr, lnErr)
}

// waitForConns closes idle connections until none is left, or ctx ends.
func (s *Server) waitForConns(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !s.closeIdleConns() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// closeIdleConns closes the connections waiting for a request and reports
// whether none is left.
func (s *Server) closeIdleConns() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() {
			_ = c.rwc.Close()
		}
	}
	return len(s.conns) == 0
}

func (s *Server) newConn(rw net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		_ = rw.Close()
		return nil
	}
	c := &conn{srv: s, rwc: rw}
	s.conns[c] = struct{}{}
	return c
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) logf(format string, args ...any) {
	if s.fallback.ErrorLog != nil {
		s.fallback.ErrorLog.Printf(format, args...)
	}
}

// idleTimeout is how long a kept-alive connection may wait for its next
// request, with net/http's rule: IdleTimeout, else ReadTimeout.
func (s *Server) idleTimeout() time.Duration {
	if s.fallback.IdleTimeout != 0 {
		return s.fallback.IdleTimeout
	}
	return s.fallback.ReadTimeout
}

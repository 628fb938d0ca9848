// Package apptest starts a whole Sluice server inside a test, on
// 127.0.0.1:0 with embedded JetStream in a temporary directory, and hands
// out real aws-sdk-go-v2 clients pointed at it. Integration tests of every
// feature use it, so they exercise the same wire path as real users.
package apptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"

	"github.com/sluicehq/sluice/internal/app"
	"github.com/sluicehq/sluice/internal/config"
)

// Server is a running Sluice under test.
type Server struct {
	t    testing.TB
	App  *app.App
	Cfg  config.Config
	URL  string
	stop func()
}

// Option changes the configuration before the server starts.
type Option func(*config.Config)

// Start runs a server for the rest of the test. With no options it uses a
// fresh data directory and no CREATING/DELETING delay.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.CreateDelay = 0
	cfg.DeleteDelay = 0
	for _, o := range opts {
		o(&cfg)
	}
	return StartWith(t, cfg)
}

// StartWith runs a server with exactly cfg (use it to restart on the same
// data directory).
func StartWith(t testing.TB, cfg config.Config) *Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("SLUICE_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a := app.New(cfg, log)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatalf("start sluice: %v", err)
	}
	scheme := "http://"
	if cfg.TLSCert != "" {
		scheme = "https://"
	}
	s := &Server{t: t, App: a, Cfg: cfg, URL: scheme + a.Addr()}
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}
	t.Cleanup(s.stop)
	return s
}

// Stop shuts the server down now (Cleanup does it otherwise).
func (s *Server) Stop() { s.stop() }

// Restart stops the server and starts a new one on the same data
// directory and port-less config; the new server has a new URL.
func (s *Server) Restart() *Server {
	s.Stop()
	return StartWith(s.t, s.Cfg)
}

// AWSConfig is an SDK configuration for this server with static test
// credentials, the given region, and SDK retries turned off so tests see
// every error the server returns.
func (s *Server) AWSConfig(region string) aws.Config {
	cfg := aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(s.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
	if s.Cfg.TLSCert != "" {
		cfg.HTTPClient = s.HTTPClient()
	}
	return cfg
}

// HTTPClient is an HTTP client for this server: over TLS it trusts the
// server's own certificate (a self-signed test certificate) and nothing
// else.
func (s *Server) HTTPClient() *http.Client {
	s.t.Helper()
	if s.Cfg.TLSCert == "" {
		return &http.Client{}
	}
	pem, err := os.ReadFile(s.Cfg.TLSCert)
	if err != nil {
		s.t.Fatalf("read TLS certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		s.t.Fatalf("no certificate in %s", s.Cfg.TLSCert)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// Firehose returns a Firehose client in us-east-1.
func (s *Server) Firehose() *firehose.Client {
	return firehose.NewFromConfig(s.AWSConfig("us-east-1"))
}

// FirehoseIn returns a Firehose client for another region.
func (s *Server) FirehoseIn(region string) *firehose.Client {
	return firehose.NewFromConfig(s.AWSConfig(region))
}

// RetryingFirehose returns a client with the SDK's standard retries, as a
// producer would use.
func (s *Server) RetryingFirehose() *firehose.Client {
	cfg := s.AWSConfig("us-east-1")
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard() }
	return firehose.NewFromConfig(cfg)
}

// Eventually polls cond until it holds or the timeout passes. Tests wait
// on conditions, never on fixed sleeps.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

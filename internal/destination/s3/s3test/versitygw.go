// Package s3test runs a real S3 server, versitygw, for tests: on a free
// loopback port, over a temporary directory, with static credentials. It
// can be stopped and started again on the same port and data, to test
// delivery through an outage.
//
// The binary is looked up as .tools/bin/versitygw in the module (where
// `make test-deps` installs it) and then on PATH. When it is missing the
// test is skipped, except under CI=true, where it fails: CI must run these
// tests.
package s3test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Credentials of the server's root user.
const (
	AccessKey = "SLUICETESTAK"
	SecretKey = "sluice-test-secret-key"
)

// Server is a running (or stopped) versitygw.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	logs string
	addr string
	URL  string

	mu  sync.Mutex
	cmd *exec.Cmd
	log *os.File
}

// Binary returns the versitygw binary, skipping the test (failing it under
// CI=true) when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	var candidates []string
	if root, err := moduleRoot(); err == nil {
		candidates = append(candidates, filepath.Join(root, ".tools", "bin", "versitygw"))
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return c
		}
	}
	msg := "versitygw is not installed (run `make test-deps`, which puts it in .tools/bin)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI must run the real-S3 tests")
	}
	t.Skip(msg)
	return ""
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Start runs versitygw for the rest of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{t: t, bin: bin, dir: dir, logs: filepath.Join(t.TempDir(), "versitygw.log"), addr: addr, URL: "http://" + addr}
	s.Resume()
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			if raw, err := os.ReadFile(s.logs); err == nil && len(raw) > 0 {
				t.Logf("versitygw log:\n%s", raw[max(0, len(raw)-4096):])
			}
		}
	})
	return s
}

// Dir is where the server keeps buckets (one directory each) and objects.
func (s *Server) Dir() string { return s.dir }

// Resume starts the server (again) on the same port and data, and waits
// until it answers.
func (s *Server) Resume() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	logf, err := os.OpenFile(s.logs, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.bin, "--access", AccessKey, "--secret", SecretKey, "--port", s.addr, "--quiet", "posix", s.dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.t.Fatalf("start versitygw: %v", err)
	}
	s.cmd, s.log = cmd, logf
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw did not start on %s (log: %s)", s.addr, logf.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (as an outage would) and waits for it to exit.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.log.Close()
	s.cmd, s.log = nil, nil
}

// Client is an SDK S3 client for the server.
func (s *Server) Client() *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.URL)
		o.UsePathStyle = true
	})
}

// CreateBucket makes a bucket, failing the test on error.
func (s *Server) CreateBucket(name string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		s.t.Fatalf("create bucket %s: %v", name, err)
	}
}

// Objects returns every object of a bucket, key → content.
func (s *Server) Objects(ctx context.Context, bucket string) (map[string][]byte, error) {
	c := s.Client()
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				return nil, fmt.Errorf("get %s: %w", aws.ToString(o.Key), err)
			}
			body, err := readAll(got)
			if err != nil {
				return nil, err
			}
			out[aws.ToString(o.Key)] = body
		}
	}
	return out, nil
}

func readAll(o *s3.GetObjectOutput) ([]byte, error) {
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

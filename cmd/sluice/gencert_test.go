package main

import (
	"bytes"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenCertCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen-cert", "--out-dir", dir, "--host", "127.0.0.1,localhost"}, os.Getenv, &stdout, &stderr); code != 0 {
		t.Fatalf("gen-cert exit %d: %s", code, stderr.String())
	}
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := tls.LoadX509KeyPair(certPath, keyPath); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if !strings.Contains(stdout.String(), "--tls-cert "+certPath) {
		t.Errorf("output does not say how to serve: %s", stdout.String())
	}
	stderr.Reset()
	if code := run([]string{"gen-cert", "--out-dir", dir}, os.Getenv, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "exists") {
		t.Errorf("second run: exit %d, %s", code, stderr.String())
	}
	if code := run([]string{"gen-cert", "--out-dir", dir, "--force"}, os.Getenv, &stdout, &stderr); code != 0 {
		t.Errorf("--force: exit %d", code)
	}
	if code := run([]string{"gen-cert"}, os.Getenv, &stdout, &stderr); code != 2 {
		t.Errorf("no --out-dir: exit %d", code)
	}
}

package certgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGenerate(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	p, err := Generate(Options{Hosts: []string{"127.0.0.1", "localhost", " sluice.test ", "::1"}, ValidFor: 48 * time.Hour, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("public key %T, want ECDSA P-256", cert.PublicKey)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 || len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("usages: CA %v, key usage %v, ext %v", cert.IsCA, cert.KeyUsage, cert.ExtKeyUsage)
	}
	if !cert.NotAfter.Equal(now.Add(48*time.Hour)) || !cert.NotBefore.Before(now) {
		t.Errorf("validity %s .. %s", cert.NotBefore, cert.NotAfter)
	}
	for _, h := range []string{"127.0.0.1", "::1", "localhost", "sluice.test"} {
		if err := cert.VerifyHostname(h); err != nil {
			t.Errorf("not valid for %s: %v", h, err)
		}
	}
	// The certificate is its own trust anchor, the way clients are told to use it.
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost", CurrentTime: now}); err != nil {
		t.Errorf("does not verify against itself: %v", err)
	}
	if block, _ := pem.Decode(p.KeyPEM); block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("key PEM is not PKCS#8")
	}

	defaults, err := Generate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dc, _ := x509.ParseCertificate(mustDER(t, defaults.CertPEM))
	if len(dc.IPAddresses) != 2 || !dc.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || len(dc.DNSNames) != 1 {
		t.Errorf("default hosts: %v %v", dc.IPAddresses, dc.DNSNames)
	}
	if _, err := Generate(Options{Hosts: []string{" ", ""}}); err == nil {
		t.Error("no hosts accepted")
	}
}

func mustDER(t *testing.T, certPEM []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no PEM block")
	}
	return block.Bytes
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	p, err := Generate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := WriteFiles(dir, p, false)
	if err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{certPath: 0o644, keyPath: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %o, want %o", path, fi.Mode().Perm(), mode)
		}
	}
	if _, err := tls.LoadX509KeyPair(certPath, keyPath); err != nil {
		t.Fatalf("written pair does not load: %v", err)
	}
	if _, _, err := WriteFiles(dir, p, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second write without overwrite: %v", err)
	}
	// A key file someone loosened is tightened again on overwrite.
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	p2, _ := Generate(Options{})
	if _, _, err := WriteFiles(dir, p2, true); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("overwritten key mode %o", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries (temporary files left?)", len(entries))
	}
}

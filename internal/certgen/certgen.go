package certgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Default file names written by WriteFiles.
const (
	CertFile = "cert.pem"
	KeyFile  = "key.pem"
)

// DefaultValidFor is how long a generated certificate is valid: long enough that a local setup
// does not break in the middle of work, short enough that a forgotten one expires.
const DefaultValidFor = 365 * 24 * time.Hour

// Options describes the certificate to generate.
type Options struct {
	// Hosts are the IP addresses and DNS names the certificate is valid for; empty means
	// 127.0.0.1, ::1 and localhost.
	Hosts []string
	// ValidFor is the validity period; zero means DefaultValidFor.
	ValidFor time.Duration
	// Now is the issue time; zero means time.Now().
	Now time.Time
}

// Pair is a generated certificate and its private key, both PEM-encoded.
type Pair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// Generate makes a self-signed ECDSA P-256 certificate for opts.Hosts. The certificate is its
// own CA (clients trust it by being given the certificate file), so it carries the CA basic
// constraints and the cert-sign usage that OpenSSL-based clients (Python, Node, curl) require of
// a trust anchor, as well as the server-auth usage.
func Generate(opts Options) (Pair, error) {
	hosts := opts.Hosts
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "::1", "localhost"}
	}
	validFor := opts.ValidFor
	if validFor <= 0 {
		validFor = DefaultValidFor
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, fmt.Errorf("certgen: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return Pair{}, fmt.Errorf("certgen: serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Sluice local certificate (self-signed)", Organization: []string{"Sluice"}},
		// An hour of slack for clocks that lag the machine that made the certificate.
		NotBefore:             now.Add(-time.Hour).UTC(),
		NotAfter:              now.Add(validFor).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			continue
		case net.ParseIP(h) != nil:
			tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(h))
		default:
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if len(tmpl.IPAddresses) == 0 && len(tmpl.DNSNames) == 0 {
		return Pair{}, errors.New("certgen: no host names or addresses")
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Pair{}, fmt.Errorf("certgen: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, fmt.Errorf("certgen: encode key: %w", err)
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// WriteFiles writes p into dir as CertFile (mode 0644) and KeyFile (mode 0600), creating dir
// (0700) if needed. It refuses to replace existing files unless overwrite is set, so that a
// second run cannot silently invalidate a certificate clients already trust.
func WriteFiles(dir string, p Pair, overwrite bool) (certPath, keyPath string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("certgen: create %s: %w", dir, err)
	}
	certPath, keyPath = filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	if !overwrite {
		for _, path := range []string{certPath, keyPath} {
			if _, err := os.Lstat(path); err == nil {
				return "", "", fmt.Errorf("certgen: %s exists (use --force to replace it)", path)
			}
		}
	}
	// The key first: if it cannot be written privately, no certificate is left behind.
	if err := writePrivate(keyPath, p.KeyPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := writePrivate(certPath, p.CertPEM, 0o644); err != nil {
		return "", "", err
	}
	return certPath, keyPath, nil
}

// writePrivate writes data through a temporary file in the same directory, created with the
// final mode, and renames it into place: the key is never readable by others, not even
// briefly, and a crash leaves either the old file or the new one.
func writePrivate(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("certgen: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // a no-op once renamed
	if err := f.Chmod(mode); err != nil {
		_ = f.Close()
		return fmt.Errorf("certgen: chmod %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("certgen: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("certgen: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("certgen: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("certgen: rename %s: %w", path, err)
	}
	return nil
}

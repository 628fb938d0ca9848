package kms

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// RootKeyFileName is the root key's file name inside the data directory.
const RootKeyFileName = "kms-root.key"

// LoadOrCreateRootKey returns the root key that protects all key material.
//
// env is the value of the root-key environment variable as the app read it
// ("" when unset). When set it wins and path is not touched: 32 bytes,
// hex- or base64-encoded. Otherwise the key is read from path, a file that
// must not be readable by group or others; on first start the file is
// created with mode 0600 holding 32 random bytes in base64.
//
// Losing the root key makes every key in the catalog unusable, so the file
// is written to a temporary name, synced, then hard-linked into place: a
// crash never leaves a half-written key, and two processes starting at once
// on one data directory end up with the same key.
func LoadOrCreateRootKey(path, env string) ([]byte, error) {
	if env != "" {
		key, err := decodeRootKey(env)
		if err != nil {
			return nil, fmt.Errorf("kms: root key from environment: %w", err)
		}
		return key, nil
	}
	key, err := readRootKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	return createRootKey(path)
}

func readRootKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("kms: open root key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("kms: stat root key: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("kms: root key file %s has mode %04o: it must not be accessible by group or others (chmod 600 it)",
			path, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("kms: read root key: %w", err)
	}
	key, err := decodeRootKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("kms: root key file %s: %w", path, err)
	}
	return key, nil
}

func createRootKey(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("kms: create root key directory: %w", err)
	}
	key := make([]byte, RootKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("kms: generate root key: %w", err)
	}
	content := []byte(base64.StdEncoding.EncodeToString(key) + "\n")

	tmp, err := os.CreateTemp(dir, "."+RootKeyFileName+".tmp-*") // created 0600
	if err != nil {
		return nil, fmt.Errorf("kms: create root key: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := writeSynced(tmp, content); err != nil {
		return nil, err
	}
	switch err := os.Link(tmpName, path); {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		// Another process created it first: use theirs.
		return readRootKey(path)
	default:
		// No hard links here: fall back to an exclusive create.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return readRootKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("kms: create root key: %w", err)
		}
		if err := writeSynced(f, content); err != nil {
			return nil, err
		}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new directory entry durable
		d.Close()
	}
	return key, nil
}

func writeSynced(f *os.File, content []byte) error {
	_, err := f.Write(content)
	if err == nil {
		err = f.Chmod(0o600) // whatever the umask did
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("kms: write root key: %w", err)
	}
	return nil
}

// decodeRootKey accepts 32 bytes as 64 hex digits or as base64.
func decodeRootKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*RootKeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == RootKeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("root key must be %d bytes, hex- or base64-encoded", RootKeySize)
}

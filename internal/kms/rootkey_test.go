package kms

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestLoadOrCreateRootKey_CreatesPrivateFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not POSIX on Windows")
	}
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, RootKeyFileName)
	key, err := LoadOrCreateRootKey(path, "")
	must(t, err)
	if len(key) != RootKeySize {
		t.Fatalf("key of %d bytes", len(key))
	}
	st, err := os.Stat(path)
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("root key file mode %04o, want 0600", st.Mode().Perm())
	}
	again, err := LoadOrCreateRootKey(path, "")
	must(t, err)
	if !bytes.Equal(key, again) {
		t.Fatal("second start read a different key")
	}
	leftovers, err := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	must(t, err)
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestLoadOrCreateRootKey_RefusesReadableFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not POSIX on Windows")
	}
	path := filepath.Join(t.TempDir(), RootKeyFileName)
	_, err := LoadOrCreateRootKey(path, "")
	must(t, err)
	must(t, os.Chmod(path, 0o644))
	_, err = LoadOrCreateRootKey(path, "")
	if err == nil || !strings.Contains(err.Error(), "0644") {
		t.Fatalf("group-readable key accepted: %v", err)
	}
}

func TestLoadOrCreateRootKey_Environment(t *testing.T) {
	want := bytes.Repeat([]byte{0x42}, RootKeySize)
	path := filepath.Join(t.TempDir(), RootKeyFileName)
	for _, env := range []string{hex.EncodeToString(want), base64.StdEncoding.EncodeToString(want), " " + base64.RawURLEncoding.EncodeToString(want) + "\n"} {
		got, err := LoadOrCreateRootKey(path, env)
		must(t, err)
		if !bytes.Equal(got, want) {
			t.Fatalf("env %q gave %x", env, got)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a root key from the environment must not create the file")
	}
	for _, bad := range []string{"short", hex.EncodeToString(want[:16]), strings.Repeat("zz", RootKeySize)} {
		if _, err := LoadOrCreateRootKey(path, bad); err == nil {
			t.Fatalf("bad root key %q accepted", bad)
		}
	}
}

func TestLoadOrCreateRootKey_BadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), RootKeyFileName)
	must(t, os.WriteFile(path, []byte("not a key\n"), 0o600))
	if _, err := LoadOrCreateRootKey(path, ""); err == nil {
		t.Fatal("garbage root key file accepted")
	}
}

func TestNewService_RootKeySize(t *testing.T) {
	if _, err := NewService(Config{}, newFixture(t).store, make([]byte, 16), nil); err == nil {
		t.Fatal("16-byte root key accepted")
	}
}

package bucketstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// alignedBody returns n patterned bytes starting on a directAlign boundary.
func alignedBody(n int) []byte {
	b := make([]byte, n+directAlign)
	off := (directAlign - int(uintptr(unsafe.Pointer(&b[0]))%directAlign)) % directAlign
	b = b[off : off+n]
	for i := range b {
		b[i] = byte(i*7 + i>>12)
	}
	return b
}

// requireDirectIO skips the test where dir's file system refuses O_DIRECT
// (tmpfs), where writeDirect rightly writes nothing.
func requireDirectIO(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "probe"), os.O_CREATE|os.O_WRONLY|unix.O_DIRECT, 0o644)
	if errors.Is(err, unix.EINVAL) {
		t.Skipf("%s does not support O_DIRECT", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
}

func TestWriteDirectWritesAlignedPrefix(t *testing.T) {
	dir := t.TempDir()
	requireDirectIO(t, dir)
	for _, n := range []int{directMin, 5<<20 + 1234, 3 << 20} {
		body := alignedBody(n)
		f, err := os.Create(filepath.Join(dir, "obj"))
		if err != nil {
			t.Fatal(err)
		}
		direct := writeDirect(f, body[:directPrefix(body)])
		if want := n &^ (directAlign - 1); direct != want {
			t.Fatalf("%d bytes: wrote %d directly, want %d", n, direct, want)
		}
		// The file is back in buffered mode: an unaligned tail goes through.
		if _, err := f.Write(body[direct:]); err != nil {
			t.Fatalf("%d bytes: tail after a direct write: %v", n, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "obj"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("%d bytes: file differs from the body", n)
		}
	}
}

func TestDirectPrefix(t *testing.T) {
	cases := []struct {
		name string
		body []byte
		want int
	}{
		{"small", alignedBody(directMin - directAlign), 0},
		{"unaligned", alignedBody(1<<20 + 1)[1:], 0},
		{"aligned", alignedBody(1<<20 + 1), 1 << 20},
		{"exact", alignedBody(directMin), directMin},
	}
	for _, c := range cases {
		if got := directPrefix(c.body); got != c.want {
			t.Errorf("%s: directPrefix %d, want %d", c.name, got, c.want)
		}
	}
}

package compression_test

import (
	"archive/zip"
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"

	"github.com/sluicehq/sluice/internal/compression"
)

var allFormats = []compression.Format{
	compression.Uncompressed, compression.GZIP, compression.ZIP, compression.Snappy, compression.HadoopSnappy,
}

const entryName = "my-stream-1-2024-01-31-10-05-09-a9fa96af-e4e4-409f-bac3-1f804714faaa"

// decode reads an object back with a reader independent of the writer:
// the standard library for gzip and zip, klauspost's framed snappy reader, and
// the test's own Hadoop decoder.
func decode(t *testing.T, f compression.Format, obj []byte) []byte {
	t.Helper()
	switch f {
	case compression.Uncompressed:
		return obj
	case compression.GZIP:
		zr, err := stdgzip.NewReader(bytes.NewReader(obj))
		if err != nil {
			t.Fatalf("gzip header: %v", err)
		}
		zr.Multistream(false) // the object must be one gzip member
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		if _, err := zr.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("gzip: data after the first member (%v)", err)
		}
		return out
	case compression.ZIP:
		zr, err := zip.NewReader(bytes.NewReader(obj), int64(len(obj)))
		if err != nil {
			t.Fatalf("zip: %v", err)
		}
		if len(zr.File) != 1 {
			t.Fatalf("zip has %d entries, want 1", len(zr.File))
		}
		zf := zr.File[0]
		if zf.Name != entryName || zf.Method != zip.Deflate {
			t.Fatalf("zip entry %q method %d, want %q deflate", zf.Name, zf.Method, entryName)
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("zip open: %v", err)
		}
		defer rc.Close()
		out, err := io.ReadAll(rc) // checks the CRC-32 and sizes at EOF
		if err != nil {
			t.Fatalf("zip read: %v", err)
		}
		return out
	case compression.Snappy:
		if !bytes.HasPrefix(obj, []byte("\xff\x06\x00\x00sNaPpY")) {
			t.Fatalf("framed snappy does not start with the stream identifier: % x", obj[:min(len(obj), 10)])
		}
		out, err := io.ReadAll(snappy.NewReader(bytes.NewReader(obj)))
		if err != nil {
			t.Fatalf("snappy: %v", err)
		}
		return out
	case compression.HadoopSnappy:
		out, _, err := decodeHadoopSnappy(obj)
		if err != nil {
			t.Fatalf("hadoop snappy: %v", err)
		}
		return out
	}
	t.Fatalf("no decoder for %q", f)
	return nil
}

func TestWriter_RoundTrip(t *testing.T) {
	records := logRecords(6000) // ~6 MiB: several blocks of every format
	big := append(bytes.Join(records, nil), randomBytes(1<<20)...)
	inputs := []struct {
		name   string
		writes [][]byte // written one by one; the object is their concatenation
	}{
		{"empty", nil},
		{"empty writes", [][]byte{{}, {}}},
		{"one byte", [][]byte{{'x'}}},
		{"hello", [][]byte{[]byte("hello")}},
		{"records", records[:100]},
		{"records without delimiter", [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`), []byte(`{"a":3}`)}},
		{"large records", records},
		{"large single write", [][]byte{big}},
		{"incompressible", [][]byte{randomBytes(700_000)}},
		{"odd chunks", chunk(big, 218_421)},
	}
	for _, f := range allFormats {
		for _, in := range inputs {
			t.Run(fmt.Sprintf("%s/%s", f, in.name), func(t *testing.T) {
				var obj bytes.Buffer
				w, err := compression.NewWriter(f, &obj, entryName)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range in.writes {
					n, err := w.Write(p)
					if err != nil || n != len(p) {
						t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(p))
					}
				}
				if err := w.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				want := bytes.Join(in.writes, nil)
				if got := decode(t, f, obj.Bytes()); !bytes.Equal(got, want) {
					t.Fatalf("decoded %d bytes, want %d bytes (first difference at %d)", len(got), len(want), firstDiff(got, want))
				}
			})
		}
	}
}

// chunk splits b into pieces of n bytes, the last one shorter.
func chunk(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWriter_Reset reuses one Writer for several objects: each decodes to its
// own input only.
func TestWriter_Reset(t *testing.T) {
	records := logRecords(400)
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			var w *compression.Writer
			objects := [][][]byte{records[:300], nil, records[300:], {[]byte("tail")}}
			for i, writes := range objects {
				var obj bytes.Buffer
				var err error
				if w == nil {
					w, err = compression.NewWriter(f, &obj, entryName)
				} else {
					err = w.Reset(&obj, entryName)
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range writes {
					if _, err := w.Write(p); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if got, want := decode(t, f, obj.Bytes()), bytes.Join(writes, nil); !bytes.Equal(got, want) {
					t.Fatalf("object %d: decoded %d bytes, want %d", i, len(got), len(want))
				}
			}
		})
	}
}

// TestWriter_ResetDiscardsUnfinished abandons an object half-written (as a
// runner does when delivery is cancelled) and checks the next one is clean.
func TestWriter_ResetDiscardsUnfinished(t *testing.T) {
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			w, err := compression.NewWriter(f, io.Discard, entryName)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(randomBytes(100_000)); err != nil {
				t.Fatal(err)
			}
			var obj bytes.Buffer
			if err := w.Reset(&obj, entryName); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("fresh")); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := decode(t, f, obj.Bytes()); string(got) != "fresh" {
				t.Fatalf("decoded %q, want %q", got, "fresh")
			}
		})
	}
}

func TestWriter_CloseAndWriteAfterClose(t *testing.T) {
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			var obj bytes.Buffer
			w, err := compression.NewWriter(f, &obj, entryName)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			size := obj.Len()
			if err := w.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := w.Write([]byte("late")); !errors.Is(err, compression.ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
			if obj.Len() != size {
				t.Errorf("object grew from %d to %d bytes after Close", size, obj.Len())
			}
		})
	}
}

func TestWriter_DestinationError(t *testing.T) {
	boom := errors.New("boom")
	input := randomBytes(600_000)
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			w, err := compression.NewWriter(f, &failingWriter{ok: 1000, err: boom}, entryName)
			if err != nil {
				t.Fatal(err)
			}
			_, werr := w.Write(input)
			cerr := w.Close()
			if !errors.Is(werr, boom) && !errors.Is(cerr, boom) {
				t.Fatalf("Write error %v, Close error %v; want one to wrap %v", werr, cerr, boom)
			}
		})
	}
}

func TestWriter_ModTime(t *testing.T) {
	mod := time.Date(2024, 1, 31, 10, 5, 8, 0, time.UTC)
	t.Run("zip", func(t *testing.T) {
		var obj bytes.Buffer
		w, err := compression.NewWriter(compression.ZIP, &obj, entryName, compression.WithModTime(mod))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(obj.Bytes()), int64(obj.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if got := zr.File[0].Modified; !got.Equal(mod) {
			t.Errorf("zip entry modified %v, want %v", got, mod)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		var obj bytes.Buffer
		w, err := compression.NewWriter(compression.GZIP, &obj, "", compression.WithModTime(mod))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		zr, err := stdgzip.NewReader(&obj)
		if err != nil {
			t.Fatal(err)
		}
		if !zr.ModTime.Equal(mod) {
			t.Errorf("gzip header time %v, want %v", zr.ModTime, mod)
		}
	})
	t.Run("deterministic without", func(t *testing.T) {
		for _, f := range allFormats {
			var a, b bytes.Buffer
			for _, obj := range []*bytes.Buffer{&a, &b} {
				w, err := compression.NewWriter(f, obj, entryName)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.Write([]byte("same input")); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s: two objects of the same input differ", f)
			}
		}
	})
}

func TestNewWriter_Errors(t *testing.T) {
	for _, f := range []compression.Format{"gzip", "SNAPPY", "LZ4", "zip"} {
		if _, err := compression.NewWriter(f, io.Discard, entryName); err == nil {
			t.Errorf("NewWriter(%q) succeeded", f)
		}
	}
	if _, err := compression.NewWriter(compression.ZIP, io.Discard, ""); err == nil {
		t.Error("ZIP without an entry name succeeded")
	}
	w, err := compression.NewWriter("", io.Discard, "")
	if err != nil || w.Format() != compression.Uncompressed {
		t.Errorf("empty format: %v, %v; want UNCOMPRESSED", w, err)
	}
}

func TestExtension(t *testing.T) {
	tests := []struct {
		f     compression.Format
		ext   string
		valid bool
	}{
		{compression.Uncompressed, "", true},
		{"", "", true},
		{compression.GZIP, ".gz", true},
		{compression.ZIP, ".zip", true},
		{compression.Snappy, ".snappy", true},
		{compression.HadoopSnappy, ".snappy", true},
		{"SNAPPY", "", false},
		{"gzip", "", false},
	}
	for _, tt := range tests {
		if got := compression.Extension(tt.f); got != tt.ext {
			t.Errorf("Extension(%q) = %q, want %q", tt.f, got, tt.ext)
		}
		if got := tt.f.Valid(); got != tt.valid {
			t.Errorf("%q.Valid() = %v, want %v", tt.f, got, tt.valid)
		}
	}
}

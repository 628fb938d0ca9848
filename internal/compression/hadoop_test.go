package compression_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/sluicehq/sluice/internal/compression"
)

func hadoopSnappy(t *testing.T, writes ...[]byte) []byte {
	t.Helper()
	var obj bytes.Buffer
	w, err := compression.NewWriter(compression.HadoopSnappy, &obj, "")
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
	return obj.Bytes()
}

// TestHadoopSnappy_Golden pins exact bytes worked out by hand from the format.
func TestHadoopSnappy_Golden(t *testing.T) {
	tests := []struct {
		name   string
		writes [][]byte
		want   string // hex
	}{
		// Hadoop's close() on an empty stream writes one block header of
		// length 0 and no chunk.
		{"empty", nil, "00000000"},
		// "hello": block header 5, chunk header 7, then the raw snappy block:
		// varint length 0x05, a literal tag ((5-1)<<2 | 0b00 = 0x10) and the
		// five bytes.
		{"hello", [][]byte{[]byte("hello")}, "00000005" + "00000007" + "05" + "10" + "68656c6c6f"},
		// Writes are buffered into one block: "he" + "llo" is the same object.
		{"hello in two writes", [][]byte{[]byte("he"), []byte("llo")}, "00000005" + "00000007" + "0510" + "68656c6c6f"},
		// 16 bytes: varint 0x10, literal tag (15<<2 = 0x3c).
		{"sixteen bytes", [][]byte{[]byte("0123456789abcdef")}, "00000010" + "00000012" + "10" + "3c" + hex.EncodeToString([]byte("0123456789abcdef"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(hadoopSnappy(t, tt.writes...)); got != tt.want {
				t.Errorf("object = %s\n            want %s", got, tt.want)
			}
		})
	}
}

// TestHadoopSnappy_Blocks checks the block layout of a large object: every
// block holds 262144 - (262144/6 + 32) = 218422 bytes (0x00035536) in one
// chunk, except the last.
func TestHadoopSnappy_Blocks(t *testing.T) {
	const blockSize = 218422
	input := append(bytes.Join(logRecords(500), nil), randomBytes(2*blockSize)...) // 512000 + 436844 bytes
	for _, tc := range []struct {
		name   string
		writes [][]byte
	}{
		{"one write", [][]byte{input}},
		{"record writes", chunk(input, 1024)},
		{"odd writes", chunk(input, 100_003)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := hadoopSnappy(t, tc.writes...)
			if got := hex.EncodeToString(obj[:4]); got != "00035536" {
				t.Fatalf("first block header %s, want 00035536", got)
			}
			out, blocks, err := decodeHadoopSnappy(obj)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, input) {
				t.Fatal("decoded bytes differ from the input")
			}
			wantBlocks := (len(input) + blockSize - 1) / blockSize
			if len(blocks) != wantBlocks {
				t.Fatalf("%d blocks, want %d", len(blocks), wantBlocks)
			}
			for i, b := range blocks {
				want := blockSize
				if i == len(blocks)-1 {
					want = len(input) - i*blockSize
				}
				if b.uncompressed != want || len(b.chunks) != 1 {
					t.Errorf("block %d: %d bytes in %d chunks, want %d bytes in 1 chunk", i, b.uncompressed, len(b.chunks), want)
				}
			}
			// The incompressible tail must still fit Hadoop's 256 KiB buffer;
			// the decoder enforced that, so check it saw expansion at all.
			if last := blocks[len(blocks)-2]; last.chunks[0] <= blockSize {
				t.Errorf("random block compressed to %d bytes; expected snappy expansion", last.chunks[0])
			}
		})
	}
}

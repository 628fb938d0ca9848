package compression_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/klauspost/compress/snappy"
)

// logRecords returns n deterministic JSON log lines of exactly 1 KiB, the
// record shape of the throughput target.
func logRecords(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"order", "created", "payment", "accepted", "user", "cart", "checkout", "timeout",
		"retry", "shipping", "warehouse", "inventory", "eu-west-1", "GET", "POST", "200", "404", "500"}
	levels := []string{"INFO", "WARN", "ERROR", "DEBUG"}
	out := make([][]byte, n)
	for i := range out {
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"timestamp":"2024-01-31T10:%02d:%02d.%03dZ","level":"%s","service":"%s",`+
			`"request_id":"%08x-%04x-4%03x-a%03x-%012x","user_id":%d,"latency_ms":%d,"message":"`,
			r.IntN(60), r.IntN(60), r.IntN(1000), levels[r.IntN(len(levels))], words[r.IntN(len(words))],
			r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1), r.IntN(1000000), r.IntN(5000))
		for b.Len() < 1021 {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.Truncate(1021)
		b.WriteString("\"}\n")
		out[i] = b.Bytes()
	}
	return out
}

// randomBytes returns n incompressible bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// hadoopBlock is one block of a HADOOP_SNAPPY stream as the test decoder saw it.
type hadoopBlock struct {
	uncompressed int   // the block header
	chunks       []int // compressed length of each chunk
}

// decodeHadoopSnappy is an independent reader of Hadoop's
// BlockDecompressorStream framing, written from the format and sharing no code
// with the writer: per block, a big-endian uint32 uncompressed length, then
// chunks (big-endian uint32 compressed length + raw snappy block) until that
// many bytes are produced. It enforces what Hadoop's SnappyDecompressor
// requires with its default 256 KiB buffer: each chunk, compressed and
// decompressed, fits in 256 KiB.
func decodeHadoopSnappy(data []byte) ([]byte, []hadoopBlock, error) {
	const hadoopBuffer = 256 * 1024
	var out []byte
	var blocks []hadoopBlock
	for len(data) > 0 {
		if len(data) < 4 {
			return nil, nil, errors.New("truncated block header")
		}
		blk := hadoopBlock{uncompressed: int(binary.BigEndian.Uint32(data))}
		data = data[4:]
		produced := 0
		for produced < blk.uncompressed {
			if len(data) < 4 {
				return nil, nil, errors.New("truncated chunk header")
			}
			clen := int(binary.BigEndian.Uint32(data))
			data = data[4:]
			if clen > hadoopBuffer {
				return nil, nil, fmt.Errorf("chunk of %d bytes exceeds Hadoop's %d-byte buffer", clen, hadoopBuffer)
			}
			if clen > len(data) {
				return nil, nil, errors.New("truncated chunk")
			}
			dec, err := snappy.Decode(nil, data[:clen])
			if err != nil {
				return nil, nil, fmt.Errorf("chunk: %w", err)
			}
			if len(dec) > hadoopBuffer {
				return nil, nil, fmt.Errorf("chunk decodes to %d bytes, over Hadoop's buffer", len(dec))
			}
			data = data[clen:]
			blk.chunks = append(blk.chunks, clen)
			produced += len(dec)
			out = append(out, dec...)
		}
		if produced != blk.uncompressed {
			return nil, nil, fmt.Errorf("block header says %d bytes, chunks hold %d", blk.uncompressed, produced)
		}
		blocks = append(blocks, blk)
	}
	return out, blocks, nil
}

// failingWriter fails every write after the first ok bytes.
type failingWriter struct {
	ok  int
	err error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.ok {
		w.ok -= len(p)
		return len(p), nil
	}
	n := w.ok
	w.ok = 0
	return n, w.err
}

var _ io.Writer = (*failingWriter)(nil)

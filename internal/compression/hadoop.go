package compression

import (
	"encoding/binary"
	"io"

	"github.com/klauspost/compress/s2"
)

// HADOOP_SNAPPY is the stream org.apache.hadoop.io.compress.SnappyCodec
// writes: a BlockCompressorStream over raw snappy blocks. Every block is
//
//	uint32 big-endian  uncompressed length of the block
//	then chunks until that many bytes are produced, each:
//	uint32 big-endian  compressed length of the chunk
//	bytes              one raw snappy block (varint length + elements)
//
// SnappyCodec sizes its buffer with io.compression.codec.snappy.buffersize
// (256 KiB by default) and keeps bufferSize/6+32 bytes for snappy's worst-case
// expansion, so a block holds at most 262144 - (43690 + 32) = 218422 input
// bytes and one chunk always fits the decompressor's 256 KiB buffer. We fill
// every block to that size, which gives one chunk per block; Hadoop's own
// writer cuts blocks at write boundaries instead, which decoders do not care
// about. An empty stream is the single empty block Hadoop writes on close:
// four zero bytes.
const (
	hadoopBufferSize = 256 * 1024
	hadoopBlockSize  = hadoopBufferSize - (hadoopBufferSize/6 + 32)
	hadoopHeaderSize = 8 // uncompressed length + compressed length of the one chunk
)

// hadoopSnappyWriter buffers one block and writes it with a single Write to
// the destination. Writes of a whole block or more are encoded straight from
// the caller's slice, without a copy.
type hadoopSnappyWriter struct {
	dst   io.Writer
	buf   []byte // pending input, capacity hadoopBlockSize
	out   []byte // header + encoded block, sized for the worst case
	wrote bool   // a block has been written since Reset
	err   error  // sticky: a destination error ends the stream
}

func newHadoopSnappyWriter(dst io.Writer) *hadoopSnappyWriter {
	return &hadoopSnappyWriter{
		dst: dst,
		buf: make([]byte, 0, hadoopBlockSize),
		out: make([]byte, hadoopHeaderSize+s2.MaxEncodedLen(hadoopBlockSize)),
	}
}

// Reset starts a new stream into dst, keeping the buffers.
func (h *hadoopSnappyWriter) Reset(dst io.Writer) {
	h.dst, h.buf, h.wrote, h.err = dst, h.buf[:0], false, nil
}

func (h *hadoopSnappyWriter) Write(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	total := len(p)
	for len(p) > 0 {
		if len(h.buf) == 0 && len(p) >= hadoopBlockSize {
			if err := h.writeBlock(p[:hadoopBlockSize]); err != nil {
				return total - len(p), err
			}
			p = p[hadoopBlockSize:]
			continue
		}
		n := copy(h.buf[len(h.buf):cap(h.buf)], p)
		h.buf = h.buf[:len(h.buf)+n]
		p = p[n:]
		if len(h.buf) == cap(h.buf) {
			if err := h.writeBlock(h.buf); err != nil {
				return total - len(p), err
			}
			h.buf = h.buf[:0]
		}
	}
	return total, nil
}

// Close writes the last, partial block (or the empty block of an empty stream).
func (h *hadoopSnappyWriter) Close() error {
	if h.err != nil {
		return h.err
	}
	if len(h.buf) > 0 {
		if err := h.writeBlock(h.buf); err != nil {
			return err
		}
		h.buf = h.buf[:0]
	}
	if !h.wrote {
		var empty [4]byte // uncompressed length 0, no chunks
		if _, err := h.dst.Write(empty[:]); err != nil {
			h.err = err
			return err
		}
		h.wrote = true
	}
	return nil
}

func (h *hadoopSnappyWriter) writeBlock(src []byte) error {
	// s2.EncodeSnappy produces standard snappy blocks (the "Snappy
	// compatible" subset of S2), faster than snappy.Encode's "better" mode.
	enc := s2.EncodeSnappy(h.out[hadoopHeaderSize:], src)
	if &enc[0] != &h.out[hadoopHeaderSize] {
		// Cannot happen with out sized by MaxEncodedLen; stay correct anyway.
		copy(h.out[hadoopHeaderSize:], enc)
	}
	binary.BigEndian.PutUint32(h.out[0:4], uint32(len(src)))
	binary.BigEndian.PutUint32(h.out[4:8], uint32(len(enc)))
	if _, err := h.dst.Write(h.out[:hadoopHeaderSize+len(enc)]); err != nil {
		h.err = err
		return err
	}
	h.wrote = true
	return nil
}

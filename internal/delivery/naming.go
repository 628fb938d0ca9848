package delivery

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/internal/s3key"
)

// batchSeed identifies a batch: the stream's UID, the configuration version
// it is named under, and the sequence of its first stored message. The same
// batch rebuilt after a crash has the same seed, hence the same object key.
func batchSeed(uid string, version int64, firstSeq uint64) []byte {
	b := make([]byte, 0, len(uid)+32)
	b = append(b, uid...)
	b = append(b, '/')
	b = strconv.AppendInt(b, version, 10)
	b = append(b, '/')
	return strconv.AppendUint(b, firstSeq, 10)
}

// objectKey names a batch's object: time is the arrival of its oldest
// record, the UUID and every !{firehose:random-string} come from the seed.
func objectKey(p *plan, random *seededReader, seed []byte, oldest time.Time) (string, error) {
	random.Reset(append(seed, "/random"...))
	return p.namer.Key(s3key.Object{Time: oldest, UUID: s3key.UUIDFromSeed(seed)})
}

// errorObjectKey names the object of a batch's failed records under the
// error output prefix.
func errorObjectKey(p *plan, random *seededReader, seed []byte, oldest time.Time, outputType string) (string, error) {
	seed = append(seed, "/error"...)
	random.Reset(append(seed, "/random"...))
	return p.namer.ErrorKey(s3key.Object{Time: oldest, UUID: s3key.UUIDFromSeed(seed)}, outputType)
}

// seededReader is a deterministic byte stream (SHA-256 in counter mode over
// a seed). It feeds the namer's random-string so that a key depends only on
// its batch. Not safe for concurrent use: one per runner.
type seededReader struct {
	seed    []byte
	counter uint64
	buf     []byte
}

func (r *seededReader) Reset(seed []byte) {
	r.seed = append(r.seed[:0], seed...)
	r.counter = 0
	r.buf = r.buf[:0]
}

func (r *seededReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			h := sha256.New()
			h.Write(r.seed)
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], r.counter)
			h.Write(c[:])
			r.counter++
			r.buf = h.Sum(r.buf[:0])
		}
		k := copy(p[n:], r.buf)
		r.buf = r.buf[k:]
		n += k
	}
	return n, nil
}

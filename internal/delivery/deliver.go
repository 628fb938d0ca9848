package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/sluicehq/sluice/internal/compression"
	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/firehose"
)

// ErrorOutputS3 is the !{firehose:error-output-type} of records that could
// not be written to S3 before the retention limit, or whose object key
// could not be built. AWS documents no value for S3 itself (it keeps
// retrying until the records expire); this name follows the pattern of the
// documented ones ("http-endpoint-failed", "splunk-failed").
const ErrorOutputS3 = "s3-failed"

// prepared is a batch with its object built: named and compressed by the
// encoder goroutine while the writer is busy with the previous one.
type prepared struct {
	b        *batch
	seed     []byte
	key      string
	keyErr   error // the configuration yields no valid key
	errKey   string
	errKeyEr error
	body     *bytes.Buffer
	bodyHash uint64 // xxHash64 of body
	encoded  time.Duration
}

// bodyBuffers is how many object bodies a runner has: one being written,
// one encoded and waiting for the writer.
const bodyBuffers = 2

// encodeLoop names and compresses the batches the accumulator hands over.
// Building the next object while the previous one uploads and is
// acknowledged is safe: nothing is written out of turn.
func (r *runner) encodeLoop(ctx context.Context, in <-chan *batch, out chan<- *prepared, free chan *bytes.Buffer) error {
	for {
		var b *batch
		select {
		case <-ctx.Done():
			return nil
		case b = <-in:
		}
		var buf *bytes.Buffer
		select {
		case <-ctx.Done():
			return nil
		case buf = <-free:
		}
		p := &prepared{b: b, body: buf, seed: batchSeed(r.uid, b.plan.version, b.firstSeq)}
		p.errKey, p.errKeyEr = errorObjectKey(b.plan, &r.random, p.seed, b.oldest(), ErrorOutputS3)
		p.key, p.keyErr = objectKey(b.plan, &r.random, p.seed, b.oldest())
		if p.keyErr == nil {
			start := time.Now()
			var err error
			if p.bodyHash, err = r.enc.encode(buf, b.plan, p.key, b.oldest(), recordsOf(b)); err != nil {
				// Compressing into memory cannot fail; if it does, it
				// is a bug retrying will not fix, and records must not
				// be lost: stop this session (they stay stored).
				return fmt.Errorf("build object %s: %w", p.key, err)
			}
			p.encoded = time.Since(start)
		}
		select {
		case <-ctx.Done():
			return nil
		case out <- p:
		}
	}
}

// writeLoop writes the prepared objects one at a time, in order, and
// acknowledges each batch before writing the next.
func (r *runner) writeLoop(ctx context.Context, cons Consumer, in <-chan *prepared, free chan<- *bytes.Buffer) error {
	for {
		var p *prepared
		select {
		case <-ctx.Done():
			return nil
		case p = <-in:
		}
		if !r.deliver(ctx, p) || !r.acknowledge(ctx, cons, p.b) {
			return nil
		}
		p.body.Reset()
		free <- p.body
		r.delivered()
	}
}

// deliver writes a batch's object, retrying until it is written or the
// records outlive the retention limit (then they go to the error output).
// It returns false only when ctx ends first.
func (r *runner) deliver(ctx context.Context, p *prepared) bool {
	ds := r.stream.Load()
	b := p.b
	if p.keyErr != nil {
		// Retrying cannot help: the configuration yields no valid key.
		r.log.Error("cannot name the object; writing the batch to the error output", "version", b.plan.version,
			"first_seq", b.firstSeq, "records", b.records, "err", p.keyErr)
		return r.deliverErrors(ctx, ds, p, "S3.InvalidPrefix", p.keyErr.Error(), 0)
	}
	obj := destination.Object{Account: ds.AccountID, Bucket: b.plan.bucket, Key: p.key, Body: p.body.Bytes(), XXH64: &p.bodyHash, KMSKeyARN: b.plan.kmsKeyARN}
	labels := ds.ARN
	for attempt := 1; ; attempt++ {
		putStart := time.Now()
		err := r.m.objects.PutObject(ctx, obj)
		if err == nil {
			r.m.metrics.DeliveryToS3Success.WithLabelValues(labels).Set(1)
			r.m.metrics.DeliveryToS3Records.WithLabelValues(labels).Add(float64(b.records))
			r.m.metrics.DeliveryToS3Bytes.WithLabelValues(labels).Add(float64(b.bytes))
			if attempt > 1 {
				r.log.Info("object delivered after retries", "bucket", obj.Bucket, "key", p.key, "attempts", attempt)
			} else {
				r.log.Debug("object delivered", "bucket", obj.Bucket, "key", p.key, "records", b.records, "bytes", len(obj.Body),
					"encode", p.encoded, "put", time.Since(putStart))
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		r.m.metrics.DeliveryToS3Success.WithLabelValues(labels).Set(0)
		code := s3ErrorCode(err)
		if age := r.m.now().Sub(b.oldest()); age > r.m.cfg.RecordMaxAge {
			r.log.Error("records outlived the retention limit while S3 kept failing; writing them to the error output",
				"bucket", obj.Bucket, "key", p.key, "attempts", attempt, "age", age.Round(time.Second), "code", code, "err", err)
			return r.deliverErrors(ctx, ds, p, code, err.Error(), attempt)
		}
		wait := r.m.backoff(attempt)
		r.log.Warn("S3 put failed; retrying", "bucket", obj.Bucket, "key", p.key, "attempt", attempt,
			"code", code, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// deliverErrors writes a batch as failed-record JSON (spec §4.7) under the
// error output prefix, retrying until it is written.
func (r *runner) deliverErrors(ctx context.Context, ds *firehose.DeliveryStream, p *prepared, code, message string, attempts int) bool {
	labels := ds.ARN
	b := p.b
	for attempt := 1; ; attempt++ {
		err := p.errKeyEr
		if err == nil {
			p.bodyHash, err = r.errEnc.encode(p.body, b.plan, p.errKey, b.oldest(), failedRecordsOf(b, code, message, attempts, r.m.now()))
		}
		if err == nil {
			obj := destination.Object{Account: ds.AccountID, Bucket: b.plan.bucket, Key: p.errKey, Body: p.body.Bytes(), XXH64: &p.bodyHash, KMSKeyARN: b.plan.kmsKeyARN}
			if err = r.m.objects.PutObject(ctx, obj); err == nil {
				r.log.Warn("records written to the error output", "bucket", obj.Bucket, "key", p.errKey, "records", b.records)
				return true
			}
		}
		if ctx.Err() != nil {
			return false
		}
		r.m.metrics.DeliveryToS3Success.WithLabelValues(labels).Set(0)
		wait := r.m.backoff(attempt)
		r.log.Error("cannot write to the error output either; retrying (records stay in memory and stored)",
			"key", p.errKey, "attempt", attempt, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// acknowledge removes a delivered batch's messages from the record log,
// retrying until it succeeds: the next batch must not be written before
// this one is acknowledged (see runner).
func (r *runner) acknowledge(ctx context.Context, cons Consumer, b *batch) bool {
	for attempt := 1; ; attempt++ {
		start := time.Now()
		err := cons.AckThrough(ctx, b.lastSeq)
		took := time.Since(start)
		if took > slowAck {
			r.log.Warn("slow acknowledgement of delivered records", "through_seq", b.lastSeq, "took", took, "err", err)
		}
		r.log.Debug("acknowledged", "through_seq", b.lastSeq, "took", took)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		wait := r.m.backoff(attempt)
		r.log.Warn("cannot acknowledge delivered records; retrying", "through_seq", b.lastSeq, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// slowAck is when an acknowledgement is worth a warning: the record log is
// struggling (a disk stall, an overloaded cluster).
const slowAck = time.Second

// s3ErrorCode names a failure the way Firehose's logs do ("S3.NoSuchBucket").
func s3ErrorCode(err error) string {
	if code := destination.ErrorCode(err); code != "" {
		return "S3." + code
	}
	return "S3.InternalError"
}

// recordsOf yields a batch's records, concatenated byte for byte.
func recordsOf(b *batch) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for i := range b.parts {
			rd := b.parts[i].recs // a copy, so a retry can iterate again
			for rd.Next() {
				if !yield(rd.Data()) {
					return
				}
			}
		}
	}
}

// failedRecord is one line of an error output object.
type failedRecord struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                string `json:"rawData"`
}

// failedRecordsOf yields one JSON document per record, newline-terminated.
func failedRecordsOf(b *batch, code, message string, attempts int, now time.Time) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		var line bytes.Buffer
		for i := range b.parts {
			rd := b.parts[i].recs
			for rd.Next() {
				line.Reset()
				_ = json.NewEncoder(&line).Encode(failedRecord{
					AttemptsMade: attempts, ArrivalTimestamp: rd.ArrivalMS(), ErrorCode: code, ErrorMessage: message,
					AttemptEndingTimestamp: now.UnixMilli(), RawData: base64.StdEncoding.EncodeToString(rd.Data()),
				})
				if !yield(line.Bytes()) {
					return
				}
			}
		}
	}
}

// encoder builds object bodies, reusing one compressor per format across
// batches (a destination must not keep a body after PutObject returns, so
// the buffers are reused too).
type encoder struct {
	writers map[compression.Format]*compression.Writer
	out     hashingBuffer
}

// hashingBuffer appends to an object's body and hashes each piece as it
// goes in, while the piece is still in the CPU's cache. The built-in
// bucket store's ETag is that hash (destination.Object.XXH64); computed
// there, it read the finished multi-megabyte body from memory again, 4% of
// the server's CPU under PutRecordBatch load.
type hashingBuffer struct {
	buf *bytes.Buffer
	sum xxhash.Digest
}

func (h *hashingBuffer) Write(p []byte) (int, error) {
	h.buf.Write(p)
	_, _ = h.sum.Write(p)
	return len(p), nil
}

// encode builds the body of the object key into dst and returns its
// xxHash64.
func (e *encoder) encode(dst *bytes.Buffer, p *plan, key string, modTime time.Time, recs func(yield func([]byte) bool)) (uint64, error) {
	dst.Reset()
	e.out.buf = dst
	e.out.sum.Reset()
	// Once encode returns, dst belongs to the writer loop: a stray write
	// through a compressor kept for reuse must fail loudly, not change it.
	defer func() { e.out.buf = nil }()
	if e.writers == nil {
		e.writers = make(map[compression.Format]*compression.Writer)
	}
	// The single ZIP entry is named like the object, without its extension.
	entry := strings.TrimSuffix(path.Base(key), p.ext)
	w := e.writers[p.format]
	var err error
	if w == nil {
		w, err = compression.NewWriter(p.format, &e.out, entry, compression.WithModTime(modTime))
		e.writers[p.format] = w
	} else {
		err = w.Reset(&e.out, entry, compression.WithModTime(modTime))
	}
	if err != nil {
		return 0, fmt.Errorf("delivery: %s writer: %w", p.format, err)
	}
	for rec := range recs {
		if _, err := w.Write(rec); err != nil {
			return 0, err
		}
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return e.out.sum.Sum64(), nil
}

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

// deliverLoop writes the batches the accumulator hands over, one at a
// time, in order.
func (r *runner) deliverLoop(ctx context.Context, cons Consumer, handoff <-chan *batch) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case b := <-handoff:
			if !r.deliver(ctx, b) {
				return nil
			}
			if !r.acknowledge(ctx, cons, b) {
				return nil
			}
			r.delivered()
		}
	}
}

// deliver writes a batch's object, retrying until it is written or the
// records outlive the retention limit (then they go to the error output).
// It returns false only when ctx ends first.
func (r *runner) deliver(ctx context.Context, b *batch) bool {
	ds := r.stream.Load()
	seed := batchSeed(r.uid, b.plan.version, b.firstSeq)
	key, err := objectKey(b.plan, &r.random, seed, b.oldest())
	if err != nil {
		// Retrying cannot help: the configuration yields no valid key.
		r.log.Error("cannot name the object; writing the batch to the error output", "version", b.plan.version,
			"first_seq", b.firstSeq, "records", b.records, "err", err)
		return r.deliverErrors(ctx, ds, b, seed, "S3.InvalidPrefix", err.Error(), 0)
	}
	body, err := r.enc.encode(b.plan, key, b.oldest(), recordsOf(b))
	if err != nil {
		// Compressing into memory cannot fail; if it does, it is a bug
		// that retrying will not fix, and the records must not be lost.
		r.log.Error("cannot build the object; records stay stored", "key", key, "err", err)
		<-ctx.Done()
		return false
	}
	obj := destination.Object{Account: ds.AccountID, Bucket: b.plan.bucket, Key: key, Body: body, KMSKeyARN: b.plan.kmsKeyARN}
	labels := ds.ARN
	for attempt := 1; ; attempt++ {
		err := r.m.objects.PutObject(ctx, obj)
		if err == nil {
			r.m.metrics.DeliveryToS3Success.WithLabelValues(labels).Set(1)
			r.m.metrics.DeliveryToS3Records.WithLabelValues(labels).Add(float64(b.records))
			r.m.metrics.DeliveryToS3Bytes.WithLabelValues(labels).Add(float64(b.bytes))
			if attempt > 1 {
				r.log.Info("object delivered after retries", "bucket", obj.Bucket, "key", key, "attempts", attempt)
			} else {
				r.log.Debug("object delivered", "bucket", obj.Bucket, "key", key, "records", b.records, "bytes", len(body))
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
				"bucket", obj.Bucket, "key", key, "attempts", attempt, "age", age.Round(time.Second), "code", code, "err", err)
			return r.deliverErrors(ctx, ds, b, seed, code, err.Error(), attempt)
		}
		wait := r.m.backoff(attempt)
		r.log.Warn("S3 put failed; retrying", "bucket", obj.Bucket, "key", key, "attempt", attempt,
			"code", code, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// deliverErrors writes a batch as failed-record JSON (spec §4.7) under the
// error output prefix, retrying until it is written.
func (r *runner) deliverErrors(ctx context.Context, ds *firehose.DeliveryStream, b *batch, seed []byte, code, message string, attempts int) bool {
	labels := ds.ARN
	for attempt := 1; ; attempt++ {
		key, err := errorObjectKey(b.plan, &r.random, seed, b.oldest(), ErrorOutputS3)
		var body []byte
		if err == nil {
			body, err = r.enc.encode(b.plan, key, b.oldest(), failedRecordsOf(b, code, message, attempts, r.m.now()))
		}
		if err == nil {
			obj := destination.Object{Account: ds.AccountID, Bucket: b.plan.bucket, Key: key, Body: body, KMSKeyARN: b.plan.kmsKeyARN}
			if err = r.m.objects.PutObject(ctx, obj); err == nil {
				r.log.Warn("records written to the error output", "bucket", obj.Bucket, "key", key, "records", b.records)
				return true
			}
		}
		if ctx.Err() != nil {
			return false
		}
		r.m.metrics.DeliveryToS3Success.WithLabelValues(labels).Set(0)
		wait := r.m.backoff(attempt)
		r.log.Error("cannot write to the error output either; retrying (records stay in memory and stored)",
			"key", key, "attempt", attempt, "err", err, "retry_in", wait)
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
		err := cons.AckThrough(ctx, b.lastSeq)
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

// encoder builds object bodies, reusing one buffer and one compressor per
// format across batches (a destination must not keep a body after
// PutObject returns).
type encoder struct {
	body    bytes.Buffer
	writers map[compression.Format]*compression.Writer
}

func (e *encoder) encode(p *plan, key string, modTime time.Time, recs func(yield func([]byte) bool)) ([]byte, error) {
	e.body.Reset()
	if e.writers == nil {
		e.writers = make(map[compression.Format]*compression.Writer)
	}
	// The single ZIP entry is named like the object, without its extension.
	entry := strings.TrimSuffix(path.Base(key), p.ext)
	w := e.writers[p.format]
	var err error
	if w == nil {
		w, err = compression.NewWriter(p.format, &e.body, entry, compression.WithModTime(modTime))
		e.writers[p.format] = w
	} else {
		err = w.Reset(&e.body, entry, compression.WithModTime(modTime))
	}
	if err != nil {
		return nil, fmt.Errorf("delivery: %s writer: %w", p.format, err)
	}
	for rec := range recs {
		if _, err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return e.body.Bytes(), nil
}

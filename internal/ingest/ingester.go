package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/records"
)

// Limits of one call, from the service model and the documentation.
const (
	MaxRecordBytes = 1_024_000
	MaxBatchBytes  = 4 << 20
	MaxBatchCount  = 500
)

// Group commit defaults, chosen by measurement (docs/BENCHMARKS.md): 1 MiB
// groups halve the server's peak memory against 8 MiB ones (JetStream and
// its clients hold several copies of each message in flight) at the same
// throughput within the noise, and larger groups cost more CPU per record.
// Up to two groups in flight per stream, the second only for large calls
// (see commit.go): PutRecordBatch gains 5-7% from the overlap, PutRecord
// loses as much from it.
//
// A writer that finds only a few small calls (under groupWaitCalls, with
// under 1/groupWaitCalls of MaxGroupBytes between them) queued behind
// the group it just stored waits DefaultGroupWait before taking them, so
// that each fsync serves more small calls: PutRecord with 64 clients used
// 8% less server CPU per call and gained 5-7% calls/s. An idle stream, or
// a single client calling in turn, never waits: nothing is queued then.
const (
	DefaultMaxGroupBytes  = 1 << 20
	DefaultGroupsInFlight = 2
	DefaultGroupWait      = 300 * time.Microsecond
	groupWaitCalls        = 32
)

// ErrStorageFull is what an Appender returns when its disk budget is used
// up; callers get ServiceUnavailableException and retry.
var ErrStorageFull = errors.New("record log is full")

// Appender stores one encoded group of records and returns its sequence
// number once it is durable. It takes group: the caller never changes or
// reuses it afterwards, whatever the outcome.
type Appender interface {
	AppendRecords(ctx context.Context, streamUID string, group []byte) (uint64, error)
}

// Encoder turns the record groups of concurrent calls into one stored
// message, appended to dst. It returns whether the message was sealed under
// the stream's encryption key.
type Encoder interface {
	Encode(ctx context.Context, ds *firehose.DeliveryStream, dst []byte, groups []records.Group) ([]byte, bool, error)
}

// PlainEncoder stores records unencrypted.
type PlainEncoder struct{}

func (PlainEncoder) Encode(_ context.Context, _ *firehose.DeliveryStream, dst []byte, groups []records.Group) ([]byte, bool, error) {
	return records.Append(dst, groups...), false, nil
}

// Streams finds delivery streams for the data path.
type Streams interface {
	Lookup(ctx context.Context, c firehose.Caller, name string) (*firehose.DeliveryStream, error)
}

// Config tunes ingest.
type Config struct {
	// Quota is the per-stream throughput quota; the zero value is off.
	Quota Quota
	// MaxGroupBytes bounds the record data of one stored group (one call
	// may exceed it alone: it is never split).
	MaxGroupBytes int
	// GroupsInFlight is how many groups of one stream may be on their way
	// to the record log at once (see commit.go).
	GroupsInFlight int
	// GroupWait is how long a writer lets a short queue of calls grow
	// before storing it as the next group (see commit.go); 0 means
	// DefaultGroupWait, negative never waits.
	GroupWait time.Duration
	Now       func() time.Time
}

// Ingester accepts records for every stream.
type Ingester struct {
	cfg        Config
	streams    Streams
	appender   Appender
	encoder    Encoder
	metrics    *metrics.Metrics
	committers committers
	quotas     quotas
	// sleep is time.Sleep; tests replace it to hold a writer in its wait.
	sleep func(time.Duration)
}

// New builds an Ingester.
func New(cfg Config, streams Streams, appender Appender, encoder Encoder, m *metrics.Metrics) *Ingester {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxGroupBytes <= 0 {
		cfg.MaxGroupBytes = DefaultMaxGroupBytes
	}
	if cfg.GroupsInFlight <= 0 {
		cfg.GroupsInFlight = DefaultGroupsInFlight
	}
	if cfg.GroupWait == 0 {
		cfg.GroupWait = DefaultGroupWait
	}
	in := &Ingester{cfg: cfg, streams: streams, appender: appender, encoder: encoder, metrics: m, sleep: time.Sleep}
	in.committers.init(in)
	in.quotas.init(cfg.Quota)
	return in
}

// Accepted says where the accepted records of a call were stored: records
// First .. First+Count-1 of the group at Seq. Records after Count were
// refused by the throughput quota.
type Accepted struct {
	StreamUID string
	Seq       uint64
	First     uint32
	Count     int
	Encrypted bool
}

// Put stores records for one call. single marks a PutRecord call, which
// the quota refuses whole instead of in part.
func (in *Ingester) Put(ctx context.Context, c firehose.Caller, name string, recs [][]byte, single bool) (Accepted, error) {
	start := in.cfg.Now()
	ds, err := in.streams.Lookup(ctx, c, name)
	if err != nil {
		return Accepted{}, err
	}
	if err := acceptsRecords(ds, c); err != nil {
		return Accepted{}, err
	}
	total := 0
	for _, r := range recs {
		total += len(r)
	}
	if total > MaxBatchBytes {
		return Accepted{}, &firehose.Error{Kind: firehose.ErrInvalidArgument, Message: "Records size exceeds 4 MB limit"}
	}

	// A throttled PutRecord fails whole with "Slow down."; a throttled
	// PutRecordBatch stores the records that fit and fails the rest, each
	// in its own entry (all of them if none fit), as AWS answers. Only the
	// request quota fails a PutRecordBatch whole.
	n, admitted := in.quotas.admit(ds.UID, start, recs)
	series := in.metrics.Ingest(ds.ARN)
	if !admitted {
		n = 0
	}
	if n < len(recs) {
		series.ThrottledRecords.Add(float64(len(recs) - n))
		if single || !admitted {
			return Accepted{}, slowDown()
		}
		if n == 0 {
			return Accepted{StreamUID: ds.UID}, nil
		}
	}
	acc, err := in.committers.commit(ctx, ds, start, recs[:n])
	if err != nil {
		return Accepted{}, err
	}
	acc.Count = n
	acc.StreamUID = ds.UID
	accepted := total
	if n < len(recs) { // only a throttled batch needs its stored bytes recounted
		accepted = 0
		for _, r := range recs[:n] {
			accepted += len(r)
		}
	}
	series.IncomingRecords.Add(float64(n))
	series.IncomingBytes.Add(float64(accepted))
	series.IncomingPutRequests.Inc()
	latency := series.PutBatchLatency
	if single {
		latency = series.PutRecordLatency
	}
	latency.Observe(in.cfg.Now().Sub(start).Seconds())
	return acc, nil
}

// acceptsRecords applies the status and source rules of PutRecord(Batch);
// the choices for non-ACTIVE streams are in docs/COMPATIBILITY.md.
func acceptsRecords(ds *firehose.DeliveryStream, c firehose.Caller) error {
	if ds.Type != fm.DeliveryStreamTypeDirectPut {
		return &firehose.Error{Kind: firehose.ErrInvalidArgument,
			Message: fmt.Sprintf("This operation is not permitted on %s delivery stream type.", ds.Type)}
	}
	switch ds.Status {
	case firehose.StatusActive, firehose.StatusDeleting:
		// AWS may still accept records while a stream is being deleted.
		return nil
	default:
		return &firehose.Error{Kind: firehose.ErrNotFound,
			Message: fmt.Sprintf("Firehose %s under account %s not found.", ds.Name, c.AccountID)}
	}
}

func slowDown() error {
	return &firehose.Error{Kind: firehose.ErrUnavailable, Message: "Slow down."}
}

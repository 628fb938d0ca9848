package loadgen

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// benchBucket is the destination bucket of benchmark streams.
const benchBucket = "sluice-bench"

// Config describes one load run.
type Config struct {
	// Target is the server's base URL; it must be on loopback.
	Target string
	Region string
	Stream string
	// Concurrency is the number of workers, each with one call in flight.
	Concurrency int
	// RecordSize is the size of every record's data in bytes.
	RecordSize int
	// BatchSize is the records per call: 1 uses PutRecord, more uses
	// PutRecordBatch.
	BatchSize int
	// Duration bounds the run; workers start no call after it.
	Duration time.Duration
	// MaxCalls, when positive, ends the run after that many calls in all
	// (whichever of it and Duration comes first).
	MaxCalls int64
	// HTTPClient is the HTTP client under the SDK; empty means DirectHTTP.
	HTTPClient HTTPClient
}

// HTTPClient names the HTTP client the SDK sends its requests through.
type HTTPClient string

const (
	// DirectHTTP does each exchange on the calling goroutine (direct.go):
	// it leaves more of a shared machine to the server under test.
	DirectHTTP HTTPClient = "direct"
	// StandardHTTP is net/http's Transport, as the SDK uses by default.
	StandardHTTP HTTPClient = "net/http"
)

func (h HTTPClient) orDefault() HTTPClient {
	if h == "" {
		return DirectHTTP
	}
	return h
}

func (c Config) validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, errors.New("concurrency must be at least 1"))
	}
	if c.RecordSize < 0 || c.RecordSize > 1_024_000 {
		errs = append(errs, errors.New("record size must be 0 to 1024000 bytes"))
	}
	if c.BatchSize < 1 || c.BatchSize > 500 {
		errs = append(errs, errors.New("batch size must be 1 to 500"))
	}
	if c.Duration <= 0 && c.MaxCalls <= 0 {
		errs = append(errs, errors.New("a duration or a call count is needed"))
	}
	if c.Stream == "" {
		errs = append(errs, errors.New("stream must not be empty"))
	}
	switch c.HTTPClient.orDefault() {
	case DirectHTTP:
		if !strings.HasPrefix(c.Target, "http://") {
			errs = append(errs, errors.New("the direct HTTP client speaks plain http only; use --http-client net/http for https"))
		}
	case StandardHTTP:
	default:
		errs = append(errs, fmt.Errorf("unknown HTTP client %q (direct or net/http)", c.HTTPClient))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	return nil
}

// Operation is the API call a run makes.
func (c Config) Operation() string {
	if c.BatchSize == 1 {
		return "PutRecord"
	}
	return "PutRecordBatch"
}

// Result is what a run measured. Counts are of successful calls and
// accepted records; failures are in the error maps.
type Result struct {
	Config  Config
	Elapsed time.Duration
	Calls   int64 // calls that succeeded (possibly with some failed records)
	Records int64 // records accepted
	Bytes   int64 // record data accepted
	// CallErrors counts whole-call failures by error code; RecordErrors
	// counts per-record failures of PutRecordBatch by ErrorCode.
	CallErrors   map[string]int64
	RecordErrors map[string]int64
	// Latency of successful calls.
	P50, P99, Max time.Duration
	// GeneratorCPU is the CPU time this process spent during the run: on
	// one machine, the generator and the server share the cores.
	GeneratorCPU time.Duration
	// GeneratorPeakRSS is this process's peak resident memory in bytes.
	GeneratorPeakRSS int64
	// GeneratorProcs is this process's GOMAXPROCS during the run.
	GeneratorProcs int
}

// NewClient returns a Firehose client for target with SDK retries off (a
// benchmark reports every error), sending through hc with enough idle
// connections for concurrency workers.
func NewClient(target, region string, concurrency int, hc HTTPClient) *firehose.Client {
	var httpClient aws.HTTPClient
	if u, err := url.Parse(target); err == nil && u.Scheme == "http" && hc.orDefault() == DirectHTTP {
		httpClient = newDirectClient(u.Host, concurrency*2)
	} else {
		httpClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConns = concurrency * 2
			tr.MaxIdleConnsPerHost = concurrency * 2
		})
	}
	return firehose.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", ""),
		BaseEndpoint: aws.String(target),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   httpClient,
	})
}

// CreateStream creates a DirectPut stream with an S3 destination (the
// destination is not exercised by a benchmark) and waits until it is
// ACTIVE. An existing stream of that name is fine.
func CreateStream(ctx context.Context, c *firehose.Client, name string) error {
	_, err := c.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN:   aws.String("arn:aws:iam::000000000000:role/sluice-bench"),
			BucketARN: aws.String("arn:aws:s3:::" + benchBucket),
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("loadgen: create stream %s: %w", name, err)
	}
	for {
		out, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("loadgen: describe stream %s: %w", name, err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("loadgen: waiting for stream %s to be ACTIVE: %w", name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Run drives the load described by cfg through c. Cancelling ctx ends the
// run early; calls in flight when Duration passes are allowed to finish.
func Run(ctx context.Context, cfg Config, c *firehose.Client) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := CheckTarget(ctx, cfg.Target); err != nil {
		return nil, err
	}
	start, startCPU := time.Now(), selfCPU()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	var budget *callBudget
	if cfg.MaxCalls > 0 {
		budget = &callBudget{left: cfg.MaxCalls}
	}
	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := newWorker(cfg, c)
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx, deadline, budget)
		}()
	}
	wg.Wait()
	res := &Result{Config: cfg, Elapsed: time.Since(start), GeneratorCPU: selfCPU() - startCPU, GeneratorPeakRSS: selfPeakRSS(),
		GeneratorProcs: runtime.GOMAXPROCS(0),
		CallErrors:     map[string]int64{}, RecordErrors: map[string]int64{}}
	var h histogram
	for _, w := range workers {
		res.Calls += w.calls
		res.Records += w.records
		res.Bytes += w.bytes
		for k, v := range w.callErrors {
			res.CallErrors[k] += v
		}
		for k, v := range w.recordErrors {
			res.RecordErrors[k] += v
		}
		h.merge(&w.latency)
	}
	res.P50, res.P99, res.Max = h.quantile(0.50), h.quantile(0.99), h.max
	return res, ctx.Err()
}

// callBudget hands out the calls of a run bounded by MaxCalls.
type callBudget struct {
	mu   sync.Mutex
	left int64
}

func (b *callBudget) take() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left <= 0 {
		return false
	}
	b.left--
	return true
}

// worker makes one call at a time and keeps its own counters, merged at the
// end, so workers share nothing while they run.
type worker struct {
	cfg          Config
	client       *firehose.Client
	batch        []types.Record
	calls        int64
	records      int64
	bytes        int64
	callErrors   map[string]int64
	recordErrors map[string]int64
	latency      histogram
}

func newWorker(cfg Config, c *firehose.Client) *worker {
	w := &worker{cfg: cfg, client: c, callErrors: map[string]int64{}, recordErrors: map[string]int64{}}
	// Random data, made once: the server cannot compress or deduplicate it,
	// and the generator spends its CPU on the SDK, not on making payloads.
	data := make([]byte, cfg.RecordSize*cfg.BatchSize)
	_, _ = rand.Read(data)
	w.batch = make([]types.Record, cfg.BatchSize)
	for i := range w.batch {
		w.batch[i].Data = data[i*cfg.RecordSize : (i+1)*cfg.RecordSize]
	}
	return w
}

func (w *worker) run(ctx context.Context, deadline time.Time, budget *callBudget) {
	// Calls run under a context that the deadline does not cancel, so the
	// last calls of a run finish instead of failing as "canceled".
	callCtx := context.WithoutCancel(ctx)
	stream := aws.String(w.cfg.Stream)
	for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) && budget.take() {
		t0 := time.Now()
		var failed map[string]int64
		var err error
		if w.cfg.BatchSize == 1 {
			_, err = w.client.PutRecord(callCtx, &firehose.PutRecordInput{DeliveryStreamName: stream, Record: &w.batch[0]})
		} else {
			var out *firehose.PutRecordBatchOutput
			out, err = w.client.PutRecordBatch(callCtx, &firehose.PutRecordBatchInput{DeliveryStreamName: stream, Records: w.batch})
			if err == nil && aws.ToInt32(out.FailedPutCount) > 0 {
				failed = map[string]int64{}
				for _, e := range out.RequestResponses {
					if e.ErrorCode != nil {
						failed[*e.ErrorCode]++
					}
				}
			}
		}
		elapsed := time.Since(t0)
		if err != nil {
			w.callErrors[errorCode(err)]++
			continue
		}
		w.latency.record(elapsed)
		w.calls++
		ok := int64(w.cfg.BatchSize)
		for code, n := range failed {
			w.recordErrors[code] += n
			ok -= n
		}
		w.records += ok
		w.bytes += ok * int64(w.cfg.RecordSize)
	}
}

// errorCode names an error by its AWS error code, or by its kind when the
// call failed before an AWS error came back.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	var canceled *smithy.CanceledError
	if errors.As(err, &canceled) || errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "transport"
}

// CreateBucket creates the S3 bucket the benchmark stream names, on an
// emulator that delivers synchronously and fails puts without it
// (moto_server). Sluice does not need it.
func CreateBucket(ctx context.Context, target, region string) error {
	c := s3.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", ""),
		BaseEndpoint: aws.String(target),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(benchBucket)})
	var owned *s3types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("loadgen: create bucket %s: %w", benchBucket, err)
	}
	return nil
}

// selfPeakRSS is this process's peak resident memory in bytes.
func selfPeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // Linux reports KiB
}

// selfCPU is this process's user + system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

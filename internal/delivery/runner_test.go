package delivery

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fmt"
	dto "github.com/prometheus/client_model/go"
	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/records"
)

// 2024-01-31 10:20:30.123 UTC
const arrival = int64(1706696430123)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestDeliversBatchAsOneObjectAndAcks(t *testing.T) {
	h := newHarness(t)
	h.streams.set(s3Stream("clicks", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.CompressionFormat = ptr(fm.CompressionFormatGzip)
		c.Prefix = ptr("logs/")
	}))
	h.log.append(group(arrival, "a1", "a2"), group(arrival+5, "b1"))
	h.log.append(group(arrival+10, "c1"))
	h.start()
	eventually(t, "delivery", func() bool { return len(h.store.keys()) == 1 && h.log.stored() == 0 })

	key := h.store.keys()[0]
	re := regexp.MustCompile(`^analytics/logs/2024/01/31/10/clicks-1-2024-01-31-10-20-30-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.gz$`)
	if !re.MatchString(key) {
		t.Fatalf("key %q", key)
	}
	obj := h.store.get(key)
	if got := gunzip(t, obj.Body); got != "a1a2b1c1" {
		t.Fatalf("content %q", got)
	}
	if obj.Account != "000000000000" || obj.KMSKeyARN != "" {
		t.Fatalf("object %+v", obj)
	}
}

func TestSizeHintCutsOnMessageBoundaries(t *testing.T) {
	h := newHarness(t)
	h.streams.set(s3Stream("sized", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.BufferingHints = &fm.BufferingHints{SizeInMBs: ptr[int32](1), IntervalInSeconds: ptr[int32](900)}
	}))
	// Three messages of 400 KiB: 1 MiB is reached within the third, so
	// the first object holds two messages and the third waits.
	// Arrivals are now, so the 900 s interval does not end the batches.
	now := time.Now().UnixMilli()
	chunk := strings.Repeat("x", 400<<10)
	for i := 0; i < 3; i++ {
		h.log.append(group(now+int64(i), chunk))
	}
	h.start()
	// The object is written before its messages are acknowledged.
	eventually(t, "first object", func() bool { return len(h.store.keys()) == 1 && h.log.stored() == 1 })
	if n := len(h.store.get(h.store.keys()[0]).Body); n != 800<<10 {
		t.Fatalf("first object has %d bytes", n)
	}
	// The third message stays stored (interval 900 s). A fourth of 700 KiB
	// would take its batch past 1 MiB, so the third goes alone and the
	// fourth starts the next batch; a fifth brings that one to exactly
	// 1 MiB, which cuts it.
	h.log.append(group(now+3, strings.Repeat("y", 700<<10)))
	eventually(t, "second object", func() bool { return len(h.store.keys()) == 2 && h.log.stored() == 1 })
	h.log.append(group(now+4, strings.Repeat("z", 324<<10)))
	eventually(t, "third object", func() bool { return len(h.store.keys()) == 3 && h.log.stored() == 0 })
	sizes := map[int]bool{}
	for _, k := range h.store.keys() {
		sizes[len(h.store.get(k).Body)] = true
	}
	if !sizes[800<<10] || !sizes[400<<10] || !sizes[1024<<10] {
		t.Fatalf("object sizes %v", sizes)
	}
}

func TestRetriesUntilTheStoreRecoversWithTheSameKey(t *testing.T) {
	h := newHarness(t)
	h.streams.set(s3Stream("retry"))
	var failures atomic.Int32
	h.store.setFail(func(destination.Object) error {
		if failures.Add(1) <= 4 {
			return errors.New("connection refused")
		}
		return nil
	})
	h.log.append(group(arrival, "r1", "r2"))
	h.start()
	eventually(t, "delivery after retries", func() bool { return len(h.store.keys()) == 1 && h.log.stored() == 0 })
	attempts := h.store.attempts()
	if len(attempts) != 5 {
		t.Fatalf("%d attempts", len(attempts))
	}
	for _, k := range attempts {
		if k != attempts[0] {
			t.Fatalf("retries used different keys: %v", attempts)
		}
	}
}

func TestCrashAfterWriteRedoesTheSameObject(t *testing.T) {
	h := newHarness(t)
	h.streams.set(s3Stream("crash"))
	h.log.append(group(arrival, "one", "two"))
	h.log.append(group(arrival+1, "three"))
	// The object is written but the acknowledgement never lands, as if
	// the process died between the two.
	h.log.ackFail.Store(true)
	h.start()
	eventually(t, "first write", func() bool { return len(h.store.keys()) == 1 })
	first := h.store.keys()[0]
	h.stop()
	if h.log.stored() != 2 {
		t.Fatalf("records were acknowledged")
	}
	h.log.ackFail.Store(false)
	h.start()
	eventually(t, "redelivery", func() bool { return h.log.stored() == 0 })
	keys := h.store.keys()
	if len(keys) != 1 || keys[0] != first {
		t.Fatalf("redelivery made %v, want only %s", keys, first)
	}
	if got := string(h.store.get(first).Body); got != "onetwothree" {
		t.Fatalf("content %q", got)
	}
}

func TestUpdateTakesEffectForTheNextBatch(t *testing.T) {
	h := newHarness(t)
	ds := s3Stream("upd", func(c *fm.ExtendedS3DestinationConfiguration) { c.Prefix = ptr("v1/") })
	h.streams.set(ds)
	h.start()
	h.log.append(group(arrival, "a"))
	eventually(t, "v1 object", func() bool { return len(h.store.keys()) == 1 })

	ds2 := s3Stream("upd", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.Prefix = ptr("v2/")
		c.CompressionFormat = ptr(fm.CompressionFormatGzip)
		c.FileExtension = ptr(".json.gz")
		c.EncryptionConfiguration = &fm.EncryptionConfiguration{KMSEncryptionConfig: &fm.KMSEncryptionConfig{
			AWSKMSKeyARN: ptr("arn:aws:kms:us-east-1:000000000000:key/k1")}}
	})
	ds2.VersionID = 2
	h.streams.set(ds2)
	h.streams.synced(t)
	h.log.append(group(arrival+1, "b"))
	eventually(t, "v2 object", func() bool { return len(h.store.keys()) == 2 && h.log.stored() == 0 })
	keys := h.store.keys()
	if !strings.HasPrefix(keys[0], "analytics/v1/2024/01/31/10/upd-1-") || !strings.HasPrefix(keys[1], "analytics/v2/2024/01/31/10/upd-2-") ||
		!strings.HasSuffix(keys[1], ".json.gz") {
		t.Fatalf("keys %v", keys)
	}
	obj := h.store.get(keys[1])
	if gunzip(t, obj.Body) != "b" || obj.KMSKeyARN != "arn:aws:kms:us-east-1:000000000000:key/k1" {
		t.Fatalf("v2 object %+v", obj)
	}
}

func TestRecordsPastRetentionGoToTheErrorOutput(t *testing.T) {
	h := newHarness(t)
	h.cfg.RecordMaxAge = time.Millisecond // every record is already too old
	h.streams.set(s3Stream("old", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.Prefix = ptr("data/")
		c.ErrorOutputPrefix = ptr("errors/!{firehose:error-output-type}/")
	}))
	h.store.setFail(func(o destination.Object) error {
		if strings.HasPrefix(o.Key, "data/") {
			return &codedErr{"AccessDenied"}
		}
		return nil
	})
	h.log.append(group(arrival, "x", "yz"))
	h.start()
	eventually(t, "error output", func() bool { return len(h.store.keys()) == 1 && h.log.stored() == 0 })
	key := h.store.keys()[0]
	if !strings.HasPrefix(key, "analytics/errors/s3-failed/old-1-2024-01-31-10-20-30-") {
		t.Fatalf("error key %q", key)
	}
	sc := bufio.NewScanner(bytes.NewReader(h.store.get(key).Body))
	var got []string
	for sc.Scan() {
		var fr failedRecord
		if err := json.Unmarshal(sc.Bytes(), &fr); err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(fr.RawData)
		got = append(got, string(raw))
		if fr.ErrorCode != "S3.AccessDenied" || fr.ArrivalTimestamp != arrival || fr.AttemptsMade != 1 {
			t.Fatalf("failed record %+v", fr)
		}
	}
	if strings.Join(got, ",") != "x,yz" {
		t.Fatalf("records %v", got)
	}
}

type codedErr struct{ code string }

func (e *codedErr) Error() string     { return "api error " + e.code }
func (e *codedErr) ErrorCode() string { return e.code }

func TestPrefixTooLongGoesToTheErrorOutput(t *testing.T) {
	h := newHarness(t)
	h.streams.set(s3Stream("long", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.Prefix = ptr(strings.Repeat("p", 600) + "/")
		c.ErrorOutputPrefix = ptr("err/")
	}))
	h.log.append(group(arrival, "r"))
	h.start()
	eventually(t, "error output", func() bool { return len(h.store.keys()) == 1 && h.log.stored() == 0 })
	if key := h.store.keys()[0]; !strings.HasPrefix(key, "analytics/err/s3-failed/2024/01/31/10/long-1-") {
		t.Fatalf("key %q", key)
	}
}

// fakeDecrypter opens sealed messages with one known key.
type fakeDecrypter struct {
	key   *records.DataKey
	ready atomic.Bool
}

func (d *fakeDecrypter) Open(_ context.Context, ds *firehose.DeliveryStream, m *records.Message, dst []byte) (records.Reader, []byte, error) {
	if !d.ready.Load() {
		return records.Reader{}, dst, errors.New("kms unavailable")
	}
	return m.Open(dst, d.key, []byte(ds.ARN))
}

func TestSealedRecordsWaitForTheirKey(t *testing.T) {
	h := newHarness(t)
	ds := s3Stream("sealed")
	h.streams.set(ds)
	key, err := records.NewDataKey("arn:aws:kms:us-east-1:000000000000:key/k", []byte("wrapped"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	dec := &fakeDecrypter{key: key}
	h.dec = dec
	msg, err := records.AppendSealed(nil, key, []byte(ds.ARN), group(arrival, "secret1", "secret2"))
	if err != nil {
		t.Fatal(err)
	}
	h.log.appendRaw(msg)
	h.log.append(group(arrival+1, "plain"))
	h.start()
	time.Sleep(100 * time.Millisecond)
	if len(h.store.keys()) != 0 || h.log.stored() != 2 {
		t.Fatal("records delivered or dropped while their key was unavailable")
	}
	dec.ready.Store(true)
	eventually(t, "delivery", func() bool { return h.log.stored() == 0 })
	var all string
	for _, k := range h.store.keys() {
		all += string(h.store.get(k).Body)
	}
	if all != "secret1secret2plain" {
		t.Fatalf("content %q", all)
	}
}

func TestManagerFollowsTheCatalog(t *testing.T) {
	h := newHarness(t)
	http := s3Stream("web")
	http.Destination = firehose.Destination{HttpEndpoint: &fm.HttpEndpointDestinationConfiguration{}}
	h.streams.set(http)
	creating := s3Stream("new")
	creating.Status = firehose.StatusCreating
	h.streams.set(creating)
	h.log.append(group(arrival, "r"))
	m := h.start()
	h.streams.synced(t)
	time.Sleep(50 * time.Millisecond)
	if len(h.store.keys()) != 0 || h.log.stored() != 1 {
		t.Fatal("delivered for a stream that is not deliverable")
	}
	creating.Status = firehose.StatusActive
	h.streams.set(creating)
	eventually(t, "delivery once ACTIVE", func() bool { return h.log.stored() == 0 })
	h.streams.remove(creating.UID)
	eventually(t, "consumer removed", func() bool {
		h.log.mu.Lock()
		defer h.log.mu.Unlock()
		return len(h.log.deleted) == 1 && h.log.deleted[0] == creating.UID
	})
	_ = m
}

func TestOneRunnerPerStreamAcrossNodes(t *testing.T) {
	a := newHarness(t)
	a.streams.set(s3Stream("shared"))
	b := *a
	b.cfg.NodeID = "n2"
	a.start()
	// Let node 1 take the lease before node 2 starts.
	eventually(t, "lease", func() bool {
		e, err := a.leases.Get(context.Background(), leaseKey("uidshared"))
		return err == nil && strings.Contains(string(e.Value), `"n1"`)
	})
	b.start()
	for i := 0; i < 20; i++ {
		a.log.append(group(arrival+int64(i), "r"))
	}
	eventually(t, "delivery", func() bool { return a.log.stored() == 0 })
	a.log.mu.Lock()
	opens := a.log.opens
	a.log.mu.Unlock()
	if opens != 1 {
		t.Fatalf("consumer opened %d times: two nodes delivered", opens)
	}
	// Node 1 stops and releases its lease; node 2 takes over.
	a.stop()
	a.log.append(group(arrival+100, "after"))
	eventually(t, "takeover", func() bool { return a.log.stored() == 0 })
}

// keyGone refuses every sealed message as KMS does for a disabled key.
type keyGone struct{}

func (keyGone) Open(_ context.Context, _ *firehose.DeliveryStream, _ *records.Message, dst []byte) (records.Reader, []byte, error) {
	return records.Reader{}, dst, fmt.Errorf("%w: %w", envelope.ErrKeyUnavailable,
		&firehose.KMSError{Code: "DisabledException", Message: "key is disabled."})
}

// Records whose key stays unusable past the retention limit are dropped,
// counted once in KMSKeyDisabled, and the stream moves on; younger ones wait.
func TestSealedRecordsPastRetentionAreDroppedAndCounted(t *testing.T) {
	h := newHarness(t)
	h.cfg.RecordMaxAge = time.Hour
	ds := s3Stream("expired")
	h.streams.set(ds)
	h.dec = keyGone{}
	key, err := records.NewDataKey("arn:aws:kms:us-east-1:000000000000:key/k", []byte("wrapped"), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour).UnixMilli()
	msg, err := records.AppendSealed(nil, key, []byte(ds.ARN), group(old, "lost1", "lost2"))
	if err != nil {
		t.Fatal(err)
	}
	h.log.appendRaw(msg)
	h.log.append(group(time.Now().UnixMilli(), "plain"))
	h.start()
	eventually(t, "the expired message dropped and the next delivered", func() bool { return h.log.stored() == 0 })
	var all string
	for _, k := range h.store.keys() {
		all += string(h.store.get(k).Body)
	}
	if all != "plain" {
		t.Fatalf("delivered %q, want only the plain record", all)
	}
	var counted dto.Metric
	if err := h.metrics.KMSKeyDisabled.WithLabelValues(ds.ARN).Write(&counted); err != nil {
		t.Fatal(err)
	}
	if got := counted.GetCounter().GetValue(); got != 2 {
		t.Fatalf("KMSKeyDisabled = %v, want 2 (each dropped record once)", got)
	}
}

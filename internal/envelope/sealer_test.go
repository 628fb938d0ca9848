package envelope_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kms"
	"github.com/sluicehq/sluice/internal/kmsbridge"
	"github.com/sluicehq/sluice/internal/kv"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/records"
)

var owner = firehose.Caller{AccountID: "000000000000", Region: "us-east-1"}

// countingKMS is the built-in KMS with call counters and injectable
// failures.
type countingKMS struct {
	firehose.KMS
	generate, decrypt, check atomic.Int64
	down                     atomic.Bool // KMS unreachable: every call fails with a plain error
}

var errDown = errors.New("kms unreachable")

func (c *countingKMS) GenerateDataKey(ctx context.Context, o firehose.Caller, arn string, ec map[string]string) ([]byte, []byte, error) {
	c.generate.Add(1)
	if c.down.Load() {
		return nil, nil, errDown
	}
	return c.KMS.GenerateDataKey(ctx, o, arn, ec)
}

func (c *countingKMS) Decrypt(ctx context.Context, o firehose.Caller, arn string, enc []byte, ec map[string]string) ([]byte, error) {
	c.decrypt.Add(1)
	if c.down.Load() {
		return nil, errDown
	}
	return c.KMS.Decrypt(ctx, o, arn, enc, ec)
}

func (c *countingKMS) CheckGrant(ctx context.Context, o firehose.Caller, arn, grant string) error {
	c.check.Add(1)
	if c.down.Load() {
		return errDown
	}
	return c.KMS.CheckGrant(ctx, o, arn, grant)
}

type fixture struct {
	svc   *kms.Service
	kms   *countingKMS
	clock *clock
	m     *metrics.Metrics
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	svc, err := kms.NewService(kms.Config{}, kv.NewMemory(), bytes.Repeat([]byte{3}, kms.RootKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, kms: &countingKMS{KMS: kmsbridge.NewBuiltin(svc)},
		clock: &clock{t: time.Unix(1_700_000_000, 0)}, m: metrics.New()}
}

func (f *fixture) sealer(cfg envelope.Config) *envelope.Sealer {
	cfg.Now = f.clock.now
	return envelope.New(cfg, f.kms, f.m)
}

// stream returns a stream whose records are sealed under a new customer
// key with a grant (or in plaintext when plain).
func (f *fixture) stream(t testing.TB, name string, plain bool) *firehose.DeliveryStream {
	t.Helper()
	ds := &firehose.DeliveryStream{Name: name, UID: "uid-" + name, ARN: firehose.StreamARN(owner, name), AccountID: owner.AccountID, Region: owner.Region}
	if plain {
		return ds
	}
	md, err := f.svc.CreateKey(context.Background(), kms.Caller(owner), kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	grant, err := f.kms.CreateGrant(context.Background(), owner, md.Arn, "firehose-"+ds.UID)
	if err != nil {
		t.Fatal(err)
	}
	ds.Encryption.Effective = &firehose.SSEKey{Type: fm.KeyTypeCustomerManagedCmk, ARN: md.Arn, Owner: owner, GrantID: grant}
	return ds
}

func groups(recs ...string) []records.Group {
	g := records.Group{ArrivalMS: 1_700_000_000_000}
	for _, r := range recs {
		g.Records = append(g.Records, []byte(r))
	}
	return []records.Group{g}
}

// open parses and opens msg with s, returning its records.
func open(t *testing.T, s *envelope.Sealer, ds *firehose.DeliveryStream, msg []byte) ([]string, error) {
	t.Helper()
	m, err := records.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Open(context.Background(), ds, &m, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for r.Next() {
		out = append(out, string(r.Data()))
	}
	return out, nil
}

func TestEncodePlainWithoutKey(t *testing.T) {
	f := newFixture(t)
	s := f.sealer(envelope.Config{})
	msg, sealed, err := s.Encode(context.Background(), f.stream(t, "plain", true), nil, groups("a", "b"))
	if err != nil || sealed {
		t.Fatalf("Encode = sealed %v, %v", sealed, err)
	}
	m, err := records.Parse(msg)
	if err != nil || m.Sealed() || m.Count() != 2 {
		t.Fatalf("message sealed %v count %d, %v", m.Sealed(), m.Count(), err)
	}
	if f.kms.generate.Load()+f.kms.check.Load() != 0 {
		t.Fatal("KMS was called for a stream without encryption")
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	f := newFixture(t)
	ds := f.stream(t, "s", false)
	s := f.sealer(envelope.Config{})
	msg, sealed, err := s.Encode(context.Background(), ds, []byte("prefix"), groups("secret one", "secret two"))
	if err != nil || !sealed {
		t.Fatalf("Encode = sealed %v, %v", sealed, err)
	}
	if !bytes.HasPrefix(msg, []byte("prefix")) {
		t.Fatal("Encode did not append to dst")
	}
	msg = msg[len("prefix"):]
	if bytes.Contains(msg, []byte("secret")) {
		t.Fatal("sealed message holds the plaintext")
	}
	m, _ := records.Parse(msg)
	if m.KeyID() != ds.Encryption.Effective.ARN {
		t.Fatalf("message key %q, want %q", m.KeyID(), ds.Encryption.Effective.ARN)
	}
	// The sealer that sealed it opens it from its cache, without KMS.
	got, err := open(t, s, ds, msg)
	if err != nil || fmt.Sprint(got) != "[secret one secret two]" || f.kms.decrypt.Load() != 0 {
		t.Fatalf("Open = %v, %v (%d Decrypt calls)", got, err, f.kms.decrypt.Load())
	}
	// Another node (a fresh sealer) opens it through KMS Decrypt, once.
	fresh := f.sealer(envelope.Config{})
	for range 3 {
		if got, err := open(t, fresh, ds, msg); err != nil || len(got) != 2 {
			t.Fatalf("Open on a fresh sealer = %v, %v", got, err)
		}
	}
	if n := f.kms.decrypt.Load(); n != 1 {
		t.Fatalf("%d Decrypt calls for one data key, want 1", n)
	}
	// The stream is bound: another stream's identity cannot open it, even
	// with the data key cached.
	other := *ds
	other.ARN = firehose.StreamARN(owner, "other")
	if _, err := open(t, s, &other, msg); err == nil {
		t.Fatal("a message opened as another stream's")
	}
	if _, err := open(t, f.sealer(envelope.Config{}), &other, msg); err == nil {
		t.Fatal("a message opened as another stream's through KMS")
	}
}

func TestDataKeyRotation(t *testing.T) {
	f := newFixture(t)
	ds := f.stream(t, "s", false)
	s := f.sealer(envelope.Config{MaxKeyAge: time.Minute, MaxKeyBytes: 10_000, MaxKeySeals: 5})
	seal := func(rec string) string {
		t.Helper()
		msg, _, err := s.Encode(context.Background(), ds, nil, groups(rec))
		if err != nil {
			t.Fatal(err)
		}
		m, _ := records.Parse(msg)
		return string(m.EncryptedDataKey())
	}
	first := seal("x")
	for range 3 {
		if seal("x") != first {
			t.Fatal("data key changed before any limit")
		}
	}
	if seal("x") != first { // fifth seal: still within MaxKeySeals
		t.Fatal("data key changed at the fifth seal")
	}
	second := seal("x")
	if second == first {
		t.Fatal("data key not rotated after MaxKeySeals messages")
	}
	f.clock.add(time.Minute)
	third := seal("x")
	if third == second {
		t.Fatal("data key not rotated after MaxKeyAge")
	}
	big := string(bytes.Repeat([]byte("b"), 12_000))
	if seal(big) != third {
		t.Fatal("data key rotated before its byte budget was used")
	}
	if seal("x") == third {
		t.Fatal("data key not rotated after MaxKeyBytes")
	}
	if n := f.kms.generate.Load(); n != 4 {
		t.Fatalf("%d GenerateDataKey calls, want 4", n)
	}
}

func TestKeyTroubleRefusesPuts(t *testing.T) {
	f := newFixture(t)
	ds := f.stream(t, "s", false)
	key := ds.Encryption.Effective
	s := f.sealer(envelope.Config{CheckInterval: time.Second})
	ctx := context.Background()
	if _, _, err := s.Encode(ctx, ds, nil, groups("ok")); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DisableKey(ctx, kms.Caller(owner), key.ARN); err != nil {
		t.Fatal(err)
	}
	// Within the check interval the last check stands.
	if _, _, err := s.Encode(ctx, ds, nil, groups("cached")); err != nil {
		t.Fatalf("Encode within the check interval = %v", err)
	}
	f.clock.add(time.Second)
	_, _, err := s.Encode(ctx, ds, nil, groups("a", "b", "c"))
	var ferr *firehose.Error
	if !errors.As(err, &ferr) || !errors.Is(err, firehose.ErrInvalidKMSResource) || ferr.KMSCode != "DisabledException" ||
		ferr.Message != "The grant for the CMK to this delivery stream might have been revoked or caller might not have sufficient permissions for the CMK." {
		t.Fatalf("Encode with a disabled key = %#v", err)
	}
	if got := counter(t, f.m.KMSKeyDisabled.WithLabelValues(ds.ARN)); got != 3 {
		t.Fatalf("KMSKeyDisabled = %v, want 3", got)
	}
	checks := f.kms.check.Load()
	if _, _, err := s.Encode(ctx, ds, nil, groups("again")); err == nil || f.kms.check.Load() != checks {
		t.Fatalf("a failed check is not remembered for the interval: %v, %d checks", err, f.kms.check.Load()-checks)
	}
	if err := f.svc.EnableKey(ctx, kms.Caller(owner), key.ARN); err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Second)
	if _, sealed, err := s.Encode(ctx, ds, nil, groups("back")); err != nil || !sealed {
		t.Fatalf("Encode after EnableKey = %v, %v", sealed, err)
	}

	// Revoked grant: access denied.
	if err := f.svc.RevokeGrant(ctx, kms.Caller(owner), key.ARN, key.GrantID, false); err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Second)
	_, _, err = s.Encode(ctx, ds, nil, groups("revoked"))
	if !errors.As(err, &ferr) || ferr.KMSCode != "InvalidGrantIdException" {
		t.Fatalf("Encode with a revoked grant = %v", err)
	}
	if got := counter(t, f.m.KMSKeyAccessDenied.WithLabelValues(ds.ARN)); got != 1 {
		t.Fatalf("KMSKeyAccessDenied = %v, want 1", got)
	}
}

// KMS being unreachable is not the key's fault: puts fail with a plain
// (retryable) error, nothing is cached, and no key metric moves.
func TestKMSOutage(t *testing.T) {
	f := newFixture(t)
	ds := f.stream(t, "s", false)
	s := f.sealer(envelope.Config{})
	f.kms.down.Store(true)
	_, _, err := s.Encode(context.Background(), ds, nil, groups("x"))
	if err == nil || errors.Is(err, firehose.ErrInvalidKMSResource) || !errors.Is(err, errDown) {
		t.Fatalf("Encode with KMS down = %v", err)
	}
	f.kms.down.Store(false)
	if _, sealed, err := s.Encode(context.Background(), ds, nil, groups("x")); err != nil || !sealed {
		t.Fatalf("Encode after the outage = %v, %v (the outage was cached)", sealed, err)
	}
	msg, _, _ := s.Encode(context.Background(), ds, nil, groups("y"))
	f.kms.down.Store(true)
	if _, err := open(t, f.sealer(envelope.Config{}), ds, msg); err == nil || errors.Is(err, envelope.ErrKeyUnavailable) {
		t.Fatalf("Open with KMS down = %v, want a transient error", err)
	}
	f.kms.down.Store(false)
	for _, c := range []float64{
		counter(t, f.m.KMSKeyDisabled.WithLabelValues(ds.ARN)),
		counter(t, f.m.KMSKeyAccessDenied.WithLabelValues(ds.ARN)),
	} {
		if c != 0 {
			t.Fatal("an outage was counted as a key problem")
		}
	}
}

// Opening needs the key: while it is disabled, delivery gets
// ErrKeyUnavailable (wait and retry). Opening counts nothing: delivery
// retries many times and counts the records once, if it drops them at the
// retention limit (internal/delivery).
func TestOpenWithDisabledKey(t *testing.T) {
	f := newFixture(t)
	ds := f.stream(t, "s", false)
	msg, _, err := f.sealer(envelope.Config{}).Encode(context.Background(), ds, nil, groups("a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DisableKey(context.Background(), kms.Caller(owner), ds.Encryption.Effective.ARN); err != nil {
		t.Fatal(err)
	}
	fresh := f.sealer(envelope.Config{})
	if _, err := open(t, fresh, ds, msg); !errors.Is(err, envelope.ErrKeyUnavailable) {
		t.Fatalf("Open with the key disabled = %v, want ErrKeyUnavailable", err)
	}
	if got := counter(t, f.m.KMSKeyDisabled.WithLabelValues(ds.ARN)); got != 0 {
		t.Fatalf("KMSKeyDisabled = %v after a failed open, want 0 (delivery counts)", got)
	}
	if err := f.svc.EnableKey(context.Background(), kms.Caller(owner), ds.Encryption.Effective.ARN); err != nil {
		t.Fatal(err)
	}
	if got, err := open(t, fresh, ds, msg); err != nil || len(got) != 2 {
		t.Fatalf("Open after EnableKey = %v, %v", got, err)
	}
}

// The AWS-owned key needs no grant check.
func TestAWSOwnedKeySkipsGrantCheck(t *testing.T) {
	f := newFixture(t)
	arn, svcOwner, err := f.kms.ServiceKey(context.Background(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	ds := f.stream(t, "owned", true)
	ds.Encryption.Effective = &firehose.SSEKey{Type: fm.KeyTypeAwsOwnedCmk, ARN: arn, Owner: svcOwner}
	s := f.sealer(envelope.Config{})
	msg, sealed, err := s.Encode(context.Background(), ds, nil, groups("x"))
	if err != nil || !sealed || f.kms.check.Load() != 0 {
		t.Fatalf("Encode = %v, %v with %d grant checks", sealed, err, f.kms.check.Load())
	}
	if got, err := open(t, f.sealer(envelope.Config{}), ds, msg); err != nil || len(got) != 1 {
		t.Fatalf("Open = %v, %v", got, err)
	}
}

func TestConcurrentEncode(t *testing.T) {
	f := newFixture(t)
	ds := f.stream(t, "s", false)
	s := f.sealer(envelope.Config{MaxKeySeals: 7})
	var wg sync.WaitGroup
	msgs := make([][]byte, 64)
	for i := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg, _, err := s.Encode(context.Background(), ds, nil, groups(fmt.Sprint(i)))
			if err != nil {
				t.Error(err)
			}
			msgs[i] = msg
		}()
	}
	wg.Wait()
	fresh := f.sealer(envelope.Config{})
	for i, msg := range msgs {
		if got, err := open(t, fresh, ds, msg); err != nil || len(got) != 1 || got[0] != fmt.Sprint(i) {
			t.Fatalf("message %d: %v, %v", i, got, err)
		}
	}
}

func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

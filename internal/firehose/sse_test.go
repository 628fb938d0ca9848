package firehose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
)

// Unit tests of the SSE status machine with a fake KMS and a controllable
// clock: what the integration tests cannot arrange, such as a
// compare-and-set lost right after a grant was retired, two nodes
// retiring the same grant, or the rolling 24-hour call window.

var tc = Caller{AccountID: "111111111111", Region: "us-east-1"}

// fakeKMS keeps keys (ARN -> state) and grants in memory. hook, when set,
// runs after each call with the operation name.
type fakeKMS struct {
	mu      sync.Mutex
	keys    map[string]string
	grants  map[string]string // grant id -> key ARN
	byName  map[string]string // key ARN + name -> grant id
	retired int
	next    int
	hook    func(op string)
}

func newFakeKMS() *fakeKMS {
	return &fakeKMS{keys: map[string]string{}, grants: map[string]string{}, byName: map[string]string{}}
}

func (f *fakeKMS) addKey(name, state string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn := "arn:aws:kms:us-east-1:111111111111:key/" + name
	f.keys[arn] = state
	return arn
}

func (f *fakeKMS) after(op string) {
	f.mu.Lock()
	h := f.hook
	f.mu.Unlock()
	if h != nil {
		h(op)
	}
}

func (f *fakeKMS) stateErr(arn string) error {
	switch st, ok := f.keys[arn]; {
	case !ok:
		return &KMSError{Code: "NotFoundException", Message: "Key '" + arn + "' does not exist"}
	case st == "Disabled":
		return &KMSError{Code: "DisabledException", Message: arn + " is disabled."}
	case st != "Enabled":
		return &KMSError{Code: "KMSInvalidStateException", Message: arn + " is pending deletion."}
	}
	return nil
}

func (f *fakeKMS) DescribeKey(_ context.Context, _ Caller, arn string) (KMSKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.keys[arn]
	if !ok {
		return KMSKey{}, &KMSError{Code: "NotFoundException", Message: "Key '" + arn + "' does not exist"}
	}
	return KMSKey{ARN: arn, State: st, Symmetric: true}, nil
}

func (f *fakeKMS) CreateGrant(_ context.Context, _ Caller, arn, name string) (string, error) {
	defer f.after("CreateGrant")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.stateErr(arn); err != nil {
		return "", err
	}
	if id, ok := f.byName[arn+"|"+name]; ok {
		if _, live := f.grants[id]; live {
			return id, nil
		}
	}
	f.next++
	id := fmt.Sprintf("grant-%d", f.next)
	f.grants[id], f.byName[arn+"|"+name] = arn, id
	return id, nil
}

func (f *fakeKMS) RetireGrant(_ context.Context, _ Caller, arn, id string) error {
	defer f.after("RetireGrant")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.grants[id] != arn {
		return &KMSError{Code: "InvalidGrantIdException", Message: "Grant ID " + id + " is not valid."}
	}
	delete(f.grants, id)
	f.retired++
	return nil
}

func (f *fakeKMS) revoke(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.grants, id)
}

func (f *fakeKMS) CheckGrant(_ context.Context, _ Caller, arn, id string) error {
	defer f.after("CheckGrant")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.grants[id] != arn {
		return &KMSError{Code: "InvalidGrantIdException", Message: "Grant ID " + id + " is not valid."}
	}
	return f.stateErr(arn)
}

func (f *fakeKMS) GenerateDataKey(context.Context, Caller, string, map[string]string) ([]byte, []byte, error) {
	return make([]byte, 32), []byte("blob"), nil
}

func (f *fakeKMS) Decrypt(context.Context, Caller, string, []byte, map[string]string) ([]byte, error) {
	return make([]byte, 32), nil
}

func (f *fakeKMS) ServiceKey(context.Context, string) (string, Caller, error) {
	return "arn:aws:kms:us-east-1:999999999999:key/service", Caller{AccountID: "999999999999", Region: "us-east-1"}, nil
}

// noRecords is a record log with nothing stored.
type noRecords struct{}

func (noRecords) PurgeRecords(context.Context, string) error           { return nil }
func (noRecords) LastSequence(context.Context, string) (uint64, error) { return 0, nil }
func (noRecords) FirstSequence(context.Context, string) (uint64, bool, error) {
	return 0, false, nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	catalog *kv.Memory
	kms     *fakeKMS
	clock   *fakeClock
}

func newEnv() *env {
	return &env{catalog: kv.NewMemory(), kms: newFakeKMS(), clock: &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
}

// node is one Sluice node on the shared catalog and KMS.
func (e *env) node() *Service {
	s := NewService(Config{Now: e.clock.now}, slog.New(slog.NewTextHandler(io.Discard, nil)), e.catalog, noRecords{})
	s.UseKMS(e.kms)
	return s
}

func ptrTo[T any](v T) *T { return &v }

// activeStream creates a stream and runs the controller until it is ACTIVE.
func activeStream(t *testing.T, s *Service, name string) {
	t.Helper()
	ctx := context.Background()
	_, err := s.Create(ctx, tc, &fm.CreateDeliveryStreamInput{
		DeliveryStreamName: ptrTo(name),
		ExtendedS3DestinationConfiguration: &fm.ExtendedS3DestinationConfiguration{
			RoleARN: ptrTo("arn:aws:iam::111111111111:role/fh"), BucketARN: ptrTo("arn:aws:s3:::b"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.ctl.pass(ctx)
	if st := load(t, s, name); st.Status != StatusActive {
		t.Fatalf("%s is %s", name, st.Status)
	}
}

func load(t *testing.T, s *Service, name string) *stored {
	t.Helper()
	st, err := s.load(context.Background(), tc, name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func customer(arn string) *fm.DeliveryStreamEncryptionConfigurationInput {
	return &fm.DeliveryStreamEncryptionConfigurationInput{KeyType: ptrTo(fm.KeyTypeCustomerManagedCmk), KeyARN: ptrTo(arn)}
}

// enabledThenStopped brings a stream to DISABLED with its customer key's
// grant due for retirement now.
func enabledThenStopped(t *testing.T, e *env, s *Service, name, key string) {
	t.Helper()
	ctx := context.Background()
	activeStream(t, s, name)
	if err := s.StartEncryption(ctx, tc, name, customer(key)); err != nil {
		t.Fatal(err)
	}
	s.ctl.pass(ctx)
	if enc := load(t, s, name).Encryption; enc.Status != fm.DeliveryStreamEncryptionStatusEnabled || enc.Effective.GrantID == "" {
		t.Fatalf("after Start: %+v", enc)
	}
	if err := s.StopEncryption(ctx, tc, name); err != nil {
		t.Fatal(err)
	}
	s.ctl.pass(ctx)
	enc := load(t, s, name).Encryption
	if enc.Status != fm.DeliveryStreamEncryptionStatusDisabled || len(enc.Retiring) != 1 {
		t.Fatalf("after Stop: %+v", enc)
	}
	e.clock.add(retireGrace + time.Second)
}

func wantRetiredCleanly(t *testing.T, e *env, s *Service, name string) {
	t.Helper()
	enc := load(t, s, name).Encryption
	if enc.Status != fm.DeliveryStreamEncryptionStatusDisabled || enc.Failure != nil || len(enc.Retiring) != 0 {
		t.Fatalf("encryption = status %s failure %+v retiring %+v; want DISABLED, no failure, nothing left to retire",
			enc.Status, enc.Failure, enc.Retiring)
	}
	if e.kms.retired != 1 || len(e.kms.grants) != 0 {
		t.Fatalf("grants retired %d, left %v; want exactly one retired", e.kms.retired, e.kms.grants)
	}
}

// A grant retired just before the stream's catalog entry changed (so the
// controller's compare-and-set is lost): the next pass finds the grant gone
// and must not report RETIRE_KMS_GRANT_FAILED.
func TestRetireSurvivesLostCompareAndSet(t *testing.T) {
	e := newEnv()
	s := e.node()
	key := e.kms.addKey("k", "Enabled")
	enabledThenStopped(t, e, s, "s", key)
	ctx := context.Background()
	e.kms.hook = func(op string) {
		if op == "RetireGrant" {
			e.kms.hook = nil
			if err := s.Tag(ctx, tc, "s", []fm.Tag{{Key: ptrTo("k"), Value: ptrTo("v")}}); err != nil {
				t.Error(err)
			}
		}
	}
	s.ctl.pass(ctx)
	if len(load(t, s, "s").Encryption.Retiring) != 1 {
		t.Fatal("the lost compare-and-set was not lost: test setup is wrong")
	}
	s.ctl.pass(ctx)
	wantRetiredCleanly(t, e, s, "s")
}

// Two nodes on the same stream: whichever interleaving, the grant is
// retired once and no failure is reported.
func TestTwoNodesRetireOnce(t *testing.T) {
	for _, at := range []string{"CheckGrant", "RetireGrant"} {
		t.Run("other node runs after "+at, func(t *testing.T) {
			e := newEnv()
			a, b := e.node(), e.node()
			key := e.kms.addKey("k", "Enabled")
			enabledThenStopped(t, e, a, "s", key)
			ctx := context.Background()
			e.kms.hook = func(op string) {
				if op == at {
					e.kms.hook = nil
					b.ctl.pass(ctx)
				}
			}
			a.ctl.pass(ctx)
			a.ctl.pass(ctx)
			b.ctl.pass(ctx)
			wantRetiredCleanly(t, e, a, "s")
		})
	}
}

// A grant the customer revoked cannot be retired: DISABLING_FAILED with
// RETIRE_KMS_GRANT_FAILED; a second Stop ends DISABLED.
func TestRevokedGrantFailsRetirement(t *testing.T) {
	e := newEnv()
	s := e.node()
	key := e.kms.addKey("k", "Enabled")
	enabledThenStopped(t, e, s, "s", key)
	e.kms.revoke(load(t, s, "s").Encryption.Retiring[0].GrantID)
	ctx := context.Background()
	s.ctl.pass(ctx)
	enc := load(t, s, "s").Encryption
	if enc.Status != fm.DeliveryStreamEncryptionStatusDisablingFailed || enc.Failure == nil ||
		*enc.Failure.Type != fm.DeliveryStreamFailureTypeRetireKmsGrantFailed || !strings.Contains(*enc.Failure.Details, "InvalidGrantIdException") {
		t.Fatalf("encryption = %+v, want DISABLING_FAILED with RETIRE_KMS_GRANT_FAILED", enc)
	}
	if err := s.StopEncryption(ctx, tc, "s"); err != nil {
		t.Fatal(err)
	}
	s.ctl.pass(ctx)
	if enc := load(t, s, "s").Encryption; enc.Status != fm.DeliveryStreamEncryptionStatusDisabled || enc.Failure != nil {
		t.Fatalf("after a second Stop: %+v", enc)
	}
}

// Deletion with the same two-step retirement: a lost compare-and-set
// after the retirement does not leave the stream DELETING_FAILED, and a
// revoked grant does, until AllowForceDelete.
func TestDeleteRetiresGrants(t *testing.T) {
	e := newEnv()
	s := e.node()
	ctx := context.Background()
	key := e.kms.addKey("k", "Enabled")
	for _, name := range []string{"lost-cas", "revoked"} {
		activeStream(t, s, name)
		if err := s.StartEncryption(ctx, tc, name, customer(key)); err != nil {
			t.Fatal(err)
		}
	}
	s.ctl.pass(ctx)
	e.kms.revoke(load(t, s, "revoked").Encryption.Effective.GrantID)

	e.kms.hook = func(op string) {
		if op == "RetireGrant" {
			e.kms.hook = nil
			if _, err := s.modify(ctx, tc, "lost-cas", func(ds *DeliveryStream) error { ds.Tags = nil; return nil }); err != nil {
				t.Error(err)
			}
		}
	}
	for _, name := range []string{"lost-cas", "revoked"} {
		if err := s.Delete(ctx, tc, name, false); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		s.ctl.pass(ctx)
	}
	if _, err := s.load(ctx, tc, "lost-cas"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("lost-cas after delete: %v (status %s), want it gone", err, load(t, s, "lost-cas").Status)
	}
	st := load(t, s, "revoked")
	if st.Status != StatusDeletingFailed || st.Failure == nil || *st.Failure.Type != fm.DeliveryStreamFailureTypeRetireKmsGrantFailed {
		t.Fatalf("revoked after delete: %s %+v, want DELETING_FAILED with RETIRE_KMS_GRANT_FAILED", st.Status, st.Failure)
	}
	if err := s.Delete(ctx, tc, "revoked", true); err != nil {
		t.Fatal(err)
	}
	s.ctl.pass(ctx)
	if _, err := s.load(ctx, tc, "revoked"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked after a forced delete: %v", err)
	}
}

// The 25 calls are counted in a rolling 24-hour window.
func TestCallLimitRollingWindow(t *testing.T) {
	e := newEnv()
	s := e.node()
	ctx := context.Background()
	activeStream(t, s, "s")
	for i := range MaxEncryptionCalls {
		if err := s.StopEncryption(ctx, tc, "s"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	e.clock.add(time.Hour)
	if err := s.StopEncryption(ctx, tc, "s"); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("26th call: %v, want LimitExceeded", err)
	}
	e.clock.add(23*time.Hour - time.Second)
	if err := s.StopEncryption(ctx, tc, "s"); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("a second before the window moves: %v, want LimitExceeded", err)
	}
	e.clock.add(time.Second)
	if err := s.StopEncryption(ctx, tc, "s"); err != nil {
		t.Fatalf("24 h after the 25 calls: %v", err)
	}
	if err := s.StopEncryption(ctx, tc, "s"); err != nil {
		t.Fatalf("24 h after the 25 calls, another: %v", err)
	}
}

// At most 500 streams per customer key, counted over CreateDeliveryStream
// and Start alike, per account and region.
func TestStreamsPerKeyLimit(t *testing.T) {
	e := newEnv()
	s := e.node()
	ctx := context.Background()
	key, other := e.kms.addKey("k", "Enabled"), e.kms.addKey("other", "Enabled")
	create := func(name string, sse *fm.DeliveryStreamEncryptionConfigurationInput) error {
		_, err := s.Create(ctx, tc, &fm.CreateDeliveryStreamInput{
			DeliveryStreamName: ptrTo(name),
			ExtendedS3DestinationConfiguration: &fm.ExtendedS3DestinationConfiguration{
				RoleARN: ptrTo("arn:aws:iam::111111111111:role/fh"), BucketARN: ptrTo("arn:aws:s3:::b"),
			},
			DeliveryStreamEncryptionConfigurationInput: sse,
		})
		return err
	}
	for i := range MaxStreamsPerKey {
		var sse *fm.DeliveryStreamEncryptionConfigurationInput
		if i%2 == 0 {
			sse = customer(key)
		}
		if err := create(fmt.Sprintf("s%03d", i), sse); err != nil {
			t.Fatal(err)
		}
	}
	s.ctl.pass(ctx)
	for i := 1; i < MaxStreamsPerKey; i += 2 {
		if err := s.StartEncryption(ctx, tc, fmt.Sprintf("s%03d", i), customer(key)); err != nil {
			t.Fatal(err)
		}
	}
	s.ctl.pass(ctx)
	if err := create("extra", customer(key)); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("CreateDeliveryStream of the 501st stream: %v, want LimitExceeded", err)
	}
	activeStream(t, s, "extra")
	if err := s.StartEncryption(ctx, tc, "extra", customer(key)); !errors.Is(err, ErrLimitExceeded) {
		t.Fatalf("Start on the 501st stream: %v, want LimitExceeded", err)
	}
	if err := s.StartEncryption(ctx, tc, "extra", customer(other)); err != nil {
		t.Fatalf("Start with another key: %v", err)
	}
	// A stream already on the key may start with it again; one moving away
	// frees a place.
	if err := s.StartEncryption(ctx, tc, "s001", customer(key)); err != nil {
		t.Fatalf("Start with the key a stream already has: %v", err)
	}
	if err := s.StartEncryption(ctx, tc, "s003", &fm.DeliveryStreamEncryptionConfigurationInput{KeyType: ptrTo(fm.KeyTypeAwsOwnedCmk)}); err != nil {
		t.Fatal(err)
	}
	s.ctl.pass(ctx)
	if err := s.StartEncryption(ctx, tc, "extra", customer(key)); err != nil {
		t.Fatalf("Start after a stream moved to another key: %v", err)
	}
}

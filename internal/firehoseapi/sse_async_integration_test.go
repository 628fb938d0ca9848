package firehoseapi_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// The transitional states of spec §1.8: ENABLING and DISABLING as
// Describe shows them, ResourceInUseException meanwhile, and failures
// that only the background transition can see (the key is fine when
// Start is called, and unusable when the grant is made).

// ENABLING and DISABLING last an hour here, so the test sees them for
// sure.
func TestSSEInProgressRefusesChanges(t *testing.T) {
	srv := startSSE(t, withEncryptionDelay(time.Hour))
	c, k := srv.Firehose(), kmsClient(srv)
	key := createKey(t, k)
	activeStream(t, c, "enabling")
	// A stream created with SSE is ENABLED when it becomes ACTIVE,
	// whatever the delay: it is the one that can go DISABLING here.
	parkedS3(t, c, "disabling", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamEncryptionConfigurationInput = customerKey(key)
	})
	waitActive(t, c, "disabling")
	checkEncryption(t, "created with SSE", encryption(t, c, "disabling"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: key})

	mustStart(t, c, "enabling", customerKey(key))
	checkEncryption(t, "right after Start", encryption(t, c, "enabling"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: key})
	// Data written while the first ENABLING lasts is not encrypted.
	if putOne(t, c, "enabling", "during ENABLING") {
		t.Fatal("put during the initial ENABLING answered Encrypted: true")
	}
	// The grant is made by the transition, not by the call.
	if g := grants(t, k, key); len(g) != 1 {
		t.Fatalf("grants while ENABLING = %d, want only the one of the other stream", len(g))
	}

	mustStop(t, c, "disabling")
	checkEncryption(t, "right after Stop", encryption(t, c, "disabling"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusDisabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: key})
	// The key stays in effect until DISABLED.
	if !putOne(t, c, "disabling", "during DISABLING") {
		t.Fatal("put during DISABLING answered Encrypted: false")
	}

	ctx := ctxT(t)
	for _, tc := range []struct{ name, status string }{{"enabling", "ENABLING"}, {"disabling", "DISABLING"}} {
		msg := "Firehose " + tc.name + " under account " + account + " has an encryption change in progress; its encryption status is " + tc.status + "."
		wantError[types.ResourceInUseException](t, startEncryption(ctx, c, tc.name, awsOwnedKey()), msg)
		wantError[types.ResourceInUseException](t, startEncryption(ctx, c, tc.name, customerKey(key)), msg)
		wantError[types.ResourceInUseException](t, stopEncryption(ctx, c, tc.name), msg)
	}
	// ResourceInUseException comes before a key problem.
	missing := "arn:aws:kms:us-east-1:000000000000:key/0b6e7a3c-59b8-4f6e-9d2a-6c1f1c0e7d11"
	wantError[types.ResourceInUseException](t, startEncryption(ctx, c, "enabling", customerKey(missing)),
		"Firehose enabling under account "+account+" has an encryption change in progress; its encryption status is ENABLING.")

	// The refused calls changed nothing.
	checkEncryption(t, "after refusals", encryption(t, c, "enabling"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: key})
}

// Failures only the background transition sees. The key is usable when
// Start (or Create) is called and becomes unusable before the transition,
// which happens EncryptionDelay (CreateDelay) later: ENABLING_FAILED
// (CREATING_FAILED) with the FailureDescription of spec §1.2.
//
// The test disables the keys right after the calls return; it needs the
// few KMS calls in between to take less than the delay.
func TestSSEAsyncGrantFailures(t *testing.T) {
	// Generous so that a loaded CI machine still makes the calls in time.
	const delay = 12 * time.Second
	srv := startSSE(t, withEncryptionDelay(delay), withCreateDelay(delay))
	c, k := srv.Firehose(), kmsClient(srv)
	old, k1, k2, k3, k4, k5 := createKey(t, k), createKey(t, k), createKey(t, k), createKey(t, k), createKey(t, k), createKey(t, k)

	// Streams to work on, made ACTIVE (and one ENABLED with "old") first.
	parkedS3(t, c, "first")
	parkedS3(t, c, "pending")
	parkedS3(t, c, "change", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamEncryptionConfigurationInput = customerKey(old)
	})
	for _, n := range []string{"first", "pending", "change"} {
		waitActive(t, c, n)
	}
	checkEncryption(t, "created with old", encryption(t, c, "change"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: old})

	// The calls, then the keys go bad, all well within the delay.
	mustStart(t, c, "first", customerKey(k1))
	mustStart(t, c, "pending", customerKey(k2))
	mustStart(t, c, "change", customerKey(k3))
	parkedS3(t, c, "born-bad", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamEncryptionConfigurationInput = customerKey(k4)
	})
	disableKey(t, k, k1)
	if _, err := k.ScheduleKeyDeletion(ctxT(t), &awskms.ScheduleKeyDeletionInput{KeyId: aws.String(k2), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	disableKey(t, k, k3)
	disableKey(t, k, k4)
	for _, n := range []string{"first", "pending", "change"} {
		if s := encryption(t, c, n).Status; s != types.DeliveryStreamEncryptionStatusEnabling {
			t.Fatalf("%s: encryption %s before the keys went bad: the machine is too slow for a %s delay", n, s, delay)
		}
	}
	if s := describe(t, c, "born-bad").DeliveryStreamStatus; s != types.DeliveryStreamStatusCreating {
		t.Fatalf("born-bad: %s before its key went bad: the machine is too slow for a %s delay", s, delay)
	}

	checkEncryption(t, "disabled before the grant", waitEncryption(t, c, "first", types.DeliveryStreamEncryptionStatusEnablingFailed),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnablingFailed, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k1,
			Failure: types.DeliveryStreamFailureTypeDisabledKmsKey, FailureDetail: k1 + " is disabled."})
	checkEncryption(t, "deleted before the grant", waitEncryption(t, c, "pending", types.DeliveryStreamEncryptionStatusEnablingFailed),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnablingFailed, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k2,
			Failure: types.DeliveryStreamFailureTypeInvalidKmsKey, FailureDetail: k2 + " is pending deletion."})
	// A failed key change leaves encryption on with the old key.
	checkEncryption(t, "failed key change", waitEncryption(t, c, "change", types.DeliveryStreamEncryptionStatusEnablingFailed),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnablingFailed, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k3,
			Failure: types.DeliveryStreamFailureTypeDisabledKmsKey, FailureDetail: k3 + " is disabled."})
	if putOne(t, c, "first", "after a failed enable") {
		t.Fatal("put after a failed first enable answered Encrypted: true")
	}
	if !putOne(t, c, "change", "after a failed change") {
		t.Fatal("put after a failed key change answered Encrypted: false")
	}
	if last := lastStored(t, srv, "change"); last.KeyID != old {
		t.Fatalf("after a failed key change records are sealed under %q, want the old key %s", last.KeyID, old)
	}
	for _, key := range []string{k1, k2, k3} {
		if g := grants(t, k, key); len(g) != 0 {
			t.Fatalf("grants left on %s after a failed enable: %+v", key, g)
		}
	}
	if len(grants(t, k, old)) != 1 {
		t.Fatal("the old key's grant is gone after a failed key change")
	}

	// CreateDeliveryStream whose key went bad: CREATING_FAILED, for good.
	var d *types.DeliveryStreamDescription
	apptest.Eventually(t, waitFor, "born-bad CREATING_FAILED", func() bool {
		d = describe(t, c, "born-bad")
		return d.DeliveryStreamStatus != types.DeliveryStreamStatusCreating
	})
	if d.DeliveryStreamStatus != types.DeliveryStreamStatusCreatingFailed || d.FailureDescription == nil ||
		d.FailureDescription.Type != types.DeliveryStreamFailureTypeDisabledKmsKey {
		t.Fatalf("born-bad = %s %+v, want CREATING_FAILED with DISABLED_KMS_KEY", d.DeliveryStreamStatus, d.FailureDescription)
	}
	checkEncryption(t, "CREATING_FAILED stream", d.DeliveryStreamEncryptionConfiguration,
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnablingFailed, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k4,
			Failure: types.DeliveryStreamFailureTypeDisabledKmsKey, FailureDetail: k4 + " is disabled."})
	wantError[types.ResourceInUseException](t, startEncryption(ctxT(t), c, "born-bad", awsOwnedKey()),
		"Firehose born-bad under account "+account+" is not in ACTIVE state; its status is CREATING_FAILED.")
	if _, err := c.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("born-bad")}); err != nil {
		t.Fatal(err)
	}

	// From ENABLING_FAILED, Start with a good key: ENABLING → ENABLED, and
	// the failure is cleared.
	mustStart(t, c, "change", customerKey(k5))
	checkEncryption(t, "retry after the failure", encryption(t, c, "change"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k5})
	checkEncryption(t, "retry after the failure", waitEncryption(t, c, "change", types.DeliveryStreamEncryptionStatusEnabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k5})
	waitGone(t, c, "born-bad")
	// ENABLING_FAILED → Stop → DISABLING → DISABLED.
	mustStop(t, c, "first")
	checkEncryption(t, "Stop after the failure", encryption(t, c, "first"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusDisabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k1})
	checkEncryption(t, "Stop after the failure", waitEncryption(t, c, "first", types.DeliveryStreamEncryptionStatusDisabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusDisabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: k1})
}

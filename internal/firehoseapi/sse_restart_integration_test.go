package firehoseapi_test

import (
	"testing"
	"time"

	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// Restarts in the middle of ENABLING and DISABLING: the transition is in
// the catalog, not in memory, so the restarted server completes it, once
// (one grant per stream and key).
//
// The server is stopped while the transitions are still due (the test
// checks that they are before it stops the server); it needs the few calls
// in between to take less than the delay.
func TestSSERestartMidTransition(t *testing.T) {
	t.Parallel()
	// Generous so that a loaded CI machine still makes the calls in time.
	const delay = 15 * time.Second
	srv := startSSE(t, withEncryptionDelay(delay))
	c, k := srv.Firehose(), kmsClient(srv)
	kE, kOld, kNew, kD := createKey(t, k), createKey(t, k), createKey(t, k), createKey(t, k)

	activeStream(t, c, "enabling")
	for name, key := range map[string]string{"changing": kOld, "disabling": kD} {
		parkedS3(t, c, name, func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamEncryptionConfigurationInput = customerKey(key)
		})
		waitActive(t, c, name)
		waitPutsEncrypted(t, c, name, true) // records sealed under the old key stay stored
	}

	mustStart(t, c, "enabling", customerKey(kE))
	mustStart(t, c, "changing", customerKey(kNew))
	mustStop(t, c, "disabling")
	checkEncryption(t, "enabling before the restart", encryption(t, c, "enabling"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: kE})
	checkEncryption(t, "changing before the restart", encryption(t, c, "changing"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: kNew})
	checkEncryption(t, "disabling before the restart", encryption(t, c, "disabling"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusDisabling, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: kD})
	wantGrants := func(when string, want map[string]int) {
		t.Helper()
		for key, n := range want {
			if got := len(grants(t, kmsClient(srv), key)); got != n {
				t.Fatalf("%s: %d grants on %s, want %d", when, got, key, n)
			}
		}
	}
	wantGrants("before the restart", map[string]int{kE: 0, kOld: 1, kNew: 0, kD: 1})

	srv = srv.Restart()
	c = srv.Firehose()
	checkEncryption(t, "enabling after the restart", waitEncryption(t, c, "enabling", types.DeliveryStreamEncryptionStatusEnabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: kE})
	checkEncryption(t, "changing after the restart", waitEncryption(t, c, "changing", types.DeliveryStreamEncryptionStatusEnabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: kNew})
	checkEncryption(t, "disabling after the restart", waitEncryption(t, c, "disabling", types.DeliveryStreamEncryptionStatusDisabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusDisabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: kD})
	waitPutsEncrypted(t, c, "enabling", true)
	waitPutsEncrypted(t, c, "disabling", false)
	apptest.Eventually(t, waitFor, "changing sealed under the new key", func() bool {
		return putOne(t, c, "changing", "new") && lastStored(t, srv, "changing").KeyID == kNew
	})
	// Exactly one grant per stream and key in effect; the old keys keep
	// theirs while their records are stored.
	wantGrants("after the restart", map[string]int{kE: 1, kOld: 1, kNew: 1, kD: 1})

	// A second restart changes nothing.
	srv = srv.Restart()
	c = srv.Firehose()
	for _, name := range []string{"enabling", "changing"} {
		if s := encryption(t, c, name).Status; s != types.DeliveryStreamEncryptionStatusEnabled {
			t.Fatalf("%s after a second restart: %s", name, s)
		}
	}
	wantGrants("after a second restart", map[string]int{kE: 1, kOld: 1, kNew: 1, kD: 1})

	// Every stored message still opens, then delivery (dropping them here)
	// lets the old keys' grants go.
	for _, name := range []string{"enabling", "changing", "disabling"} {
		storedMessages(t, srv, name)
		dropStored(t, srv, name)
	}
	apptest.Eventually(t, waitFor, "old grants retired", func() bool {
		return len(grants(t, kmsClient(srv), kOld)) == 0 && len(grants(t, kmsClient(srv), kD)) == 0
	})
	wantGrants("after delivery", map[string]int{kE: 1, kOld: 0, kNew: 1, kD: 0})
}

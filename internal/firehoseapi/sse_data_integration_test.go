package firehoseapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/records"
)

// Server-side encryption on the data path: puts refused while the key
// cannot be used, the proof that no plaintext reaches the disk, and key
// rotation under load with every record accounted for.

// A customer key that goes bad stops puts within seconds, with the message
// AWS gives and the KMS code; the KMSKey* metrics count the refused
// records; puts resume when the key is fixed.
func TestSSEKeyTroubleOnPuts(t *testing.T) {
	srv := startSSE(t)
	c, k := srv.Firehose(), kmsClient(srv)
	ka, kb := createKey(t, k), createKey(t, k)
	parkedS3(t, c, "a", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamEncryptionConfigurationInput = customerKey(ka)
	})
	parkedS3(t, c, "b", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamEncryptionConfigurationInput = customerKey(kb)
	})
	arnA, arnB := waitActive(t, c, "a").DeliveryStreamARN, waitActive(t, c, "b").DeliveryStreamARN
	waitPutsEncrypted(t, c, "a", true)
	waitPutsEncrypted(t, c, "b", true)

	stored := func(name string) int {
		n := 0
		for _, m := range storedMessages(t, srv, name) {
			n += len(m.Records)
		}
		return n
	}
	// waitRefused polls until puts fail, then checks PutRecord and
	// PutRecordBatch answer InvalidKMSResourceException with code, and
	// store nothing.
	waitRefused := func(name, code string) {
		t.Helper()
		apptest.Eventually(t, waitFor, name+" puts refused with "+code, func() bool {
			_, err := putBatch(ctxT(t), c, name, "x")
			var e *types.InvalidKMSResourceException
			return errors.As(err, &e) && aws.ToString(e.Code) == code
		})
		before := stored(name)
		_, err := putBatch(ctxT(t), c, name, "one", "two", "three")
		wantInvalidKMS(t, err, code, grantRevoked)
		_, err = c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String(name), Record: &types.Record{Data: []byte("single")}})
		wantInvalidKMS(t, err, code, grantRevoked)
		if got := stored(name); got != before {
			t.Fatalf("stored records of %s went from %d to %d while puts were refused", name, before, got)
		}
	}
	waitAccepted := func(name string) {
		t.Helper()
		apptest.Eventually(t, waitFor, name+" puts accepted", func() bool {
			out, err := putBatch(ctxT(t), c, name, "back")
			if err == nil && !aws.ToBool(out.Encrypted) {
				t.Fatalf("%s: put accepted unencrypted while SSE is ENABLED", name)
			}
			return err == nil
		})
	}
	// Disabled key.
	disableKey(t, k, ka)
	waitRefused("a", "DisabledException")
	if got := metricValue(t, srv, "KMSKeyDisabled", aws.ToString(arnA)); got < 4 {
		t.Fatalf("KMSKeyDisabled{a} = %v, want at least the 4 refused records", got)
	}
	enableKey(t, k, ka)
	waitAccepted("a")
	// Encryption stays ENABLED throughout: the key problem is the data
	// path's, not a status change.
	checkEncryption(t, "after key trouble", encryption(t, c, "a"),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: ka})

	// Revoked grant (`aws kms revoke-grant`): access denied, for good.
	revokeAll(t, k, ka)
	waitRefused("a", "InvalidGrantIdException")
	if got := metricValue(t, srv, "KMSKeyAccessDenied", aws.ToString(arnA)); got < 4 {
		t.Fatalf("KMSKeyAccessDenied{a} = %v, want at least 4", got)
	}
	// Start with the same key makes a new grant: puts work again.
	mustStart(t, c, "a", customerKey(ka))
	waitEncryption(t, c, "a", types.DeliveryStreamEncryptionStatusEnabled)
	waitAccepted("a")

	// Key scheduled for deletion, then cancelled (Disabled), then enabled.
	if _, err := k.ScheduleKeyDeletion(ctxT(t), &awskms.ScheduleKeyDeletionInput{KeyId: aws.String(kb), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	waitRefused("b", "KMSInvalidStateException")
	if got := metricValue(t, srv, "KMSKeyInvalidState", aws.ToString(arnB)); got < 4 {
		t.Fatalf("KMSKeyInvalidState{b} = %v, want at least 4", got)
	}
	if _, err := k.CancelKeyDeletion(ctxT(t), &awskms.CancelKeyDeletionInput{KeyId: aws.String(kb)}); err != nil {
		t.Fatal(err)
	}
	waitRefused("b", "DisabledException")
	enableKey(t, k, kb)
	waitAccepted("b")

	// Nothing stored while refused was lost or left unreadable.
	for _, n := range []string{"a", "b"} {
		for _, m := range storedMessages(t, srv, n) {
			if !m.Sealed {
				t.Fatalf("%s: message %d stored in plaintext", n, m.Seq)
			}
		}
	}
}

// Proof at rest (DESIGN decision 5): while SSE is on, no file under the
// data directory holds a record's plaintext. The same scan finds the
// marker when SSE is off, so the scan itself is known to work.
func TestSSENoPlaintextAtRest(t *testing.T) {
	for _, tc := range []struct {
		name      string
		encrypted bool
	}{{"encrypted", true}, {"plain", false}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSSE(t)
			c, k := srv.Firehose(), kmsClient(srv)
			key := createKey(t, k)
			mutate := func(sse *types.DeliveryStreamEncryptionConfigurationInput) func(*fh.CreateDeliveryStreamInput) {
				return func(in *fh.CreateDeliveryStreamInput) {
					if tc.encrypted {
						in.DeliveryStreamEncryptionConfigurationInput = sse
					}
				}
			}
			parkedS3(t, c, "owned", mutate(awsOwnedKey()))
			parkedS3(t, c, "cmk", mutate(customerKey(key)))
			waitActive(t, c, "owned")
			waitActive(t, c, "cmk")
			waitPutsEncrypted(t, c, "owned", tc.encrypted)
			waitPutsEncrypted(t, c, "cmk", tc.encrypted)

			marker := newMarker(t)
			for _, name := range []string{"owned", "cmk"} {
				for i := range 20 {
					recs := make([]string, 50)
					for j := range recs {
						recs[j] = fmt.Sprintf(`{"n":%d,"secret":"%s","pad":"%s"}`, i*50+j, marker, strings.Repeat("z", i*10))
					}
					out, err := putBatch(ctxT(t), c, name, recs...)
					if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
						t.Fatalf("PutRecordBatch %s: %+v, %v", name, out, err)
					}
					if aws.ToBool(out.Encrypted) != tc.encrypted {
						t.Fatalf("PutRecordBatch %s answered Encrypted: %v", name, aws.ToBool(out.Encrypted))
					}
				}
				// The single-record path too.
				if putOne(t, c, name, "single "+marker) != tc.encrypted {
					t.Fatalf("PutRecord %s: Encrypted is not %v", name, tc.encrypted)
				}
			}

			// Shut down, so that everything is flushed and closed.
			srv.Stop()
			found := scanFor(t, srv.Cfg.DataDir, []byte(marker))
			switch {
			case tc.encrypted && len(found) > 0:
				t.Fatalf("the plaintext marker is on disk in %v", found)
			case !tc.encrypted && len(found) == 0:
				t.Fatal("the marker of unencrypted records was not found: the scan does not work")
			}

			// The built-in KMS's root key file is readable by the owner only.
			info, err := os.Stat(filepath.Join(srv.Cfg.DataDir, "kms-root.key"))
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Fatalf("kms-root.key mode = %v, want 0600", perm)
			}
		})
	}
}

func newMarker(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "SLUICE-MARKER-" + hex.EncodeToString(b)
}

// scanFor returns every regular file under dir whose raw bytes contain
// needle.
func scanFor(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var found []string
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(raw, needle) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	if files == 0 {
		t.Fatalf("no file under %s", dir)
	}
	return found
}

// batchResult is what one PutRecordBatch call of the load answered.
type batchResult struct {
	records   []string
	encrypted bool
}

// Key rotation under load: producers put without pause while the stream
// goes Start(k1) → Start(k2) → Stop → Start(AWS_OWNED_CMK). Afterwards,
// on a restarted server (so no data key is cached), every stored message
// opens, every accepted record is there exactly once, and each was stored
// sealed exactly when its call answered Encrypted: true.
func TestSSEKeyRotationUnderLoad(t *testing.T) {
	t.Parallel()
	srv := startSSE(t)
	c, k := srv.Firehose(), kmsClient(srv)
	k1, k2 := createKey(t, k), createKey(t, k)
	activeStream(t, c, "load")
	activeStream(t, c, "neighbour")

	var (
		mu      sync.Mutex
		results []batchResult
		calls   atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		failure atomic.Value
	)
	for p := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				recs := make([]string, 20)
				for j := range recs {
					recs[j] = fmt.Sprintf("p%d-b%d-r%d", p, i, j)
				}
				out, err := putBatch(ctxT(t), c, "load", recs...)
				if err != nil {
					failure.CompareAndSwap(nil, err)
					return
				}
				accepted := recs[:0:0]
				for j, r := range out.RequestResponses {
					if r.ErrorCode == nil {
						accepted = append(accepted, recs[j])
					}
				}
				mu.Lock()
				results = append(results, batchResult{records: accepted, encrypted: aws.ToBool(out.Encrypted)})
				mu.Unlock()
				calls.Add(1)
			}
		}()
	}
	// progress lets the load run for a while (50 more calls) after a step.
	progress := func(what string) {
		t.Helper()
		target := calls.Load() + 50
		apptest.Eventually(t, waitFor, "load after "+what, func() bool {
			if err, _ := failure.Load().(error); err != nil {
				t.Fatalf("PutRecordBatch failed during the rotation: %v", err)
			}
			return calls.Load() >= target
		})
	}
	progress("start")
	isServiceKey := func(id string) bool { return id != "" && id != k1 && id != k2 }
	steps := []struct {
		what  string
		sse   *types.DeliveryStreamEncryptionConfigurationInput
		want  types.DeliveryStreamEncryptionStatus
		keyOK func(keyID string) bool // of the messages stored once the step took effect
	}{
		{"Start(k1)", customerKey(k1), types.DeliveryStreamEncryptionStatusEnabled, func(id string) bool { return id == k1 }},
		{"Start(k2)", customerKey(k2), types.DeliveryStreamEncryptionStatusEnabled, func(id string) bool { return id == k2 }},
		{"Stop", nil, types.DeliveryStreamEncryptionStatusDisabled, func(id string) bool { return id == "" }},
		{"Start(AWS_OWNED_CMK)", awsOwnedKey(), types.DeliveryStreamEncryptionStatusEnabled, isServiceKey},
	}
	for _, s := range steps {
		if s.sse == nil {
			mustStop(t, c, "load")
		} else {
			mustStart(t, c, "load", s.sse)
		}
		waitEncryption(t, c, "load", s.want)
		// The data path may use its cached copy of the stream for up to
		// a second (firehose.Config.LookupTTL), so the load only runs
		// under the new state once a newly stored message shows it.
		apptest.Eventually(t, waitFor, "a message stored after "+s.what, func() bool {
			id, ok := lastStoredKey(t, srv, "load")
			return ok && s.keyOK(id)
		})
		progress(s.what)
	}
	close(stop)
	wg.Wait()
	if err, _ := failure.Load().(error); err != nil {
		t.Fatalf("PutRecordBatch failed during the rotation: %v", err)
	}

	srv = srv.Restart()
	msgs := storedMessages(t, srv, "load")
	where := make(map[string]bool, len(results)*20) // record -> stored sealed
	keys := make(map[string]int)
	for _, m := range msgs {
		keys[m.KeyID]++
		for _, r := range m.Records {
			if _, dup := where[r]; dup {
				t.Fatalf("record %s stored twice", r)
			}
			where[r] = m.Sealed
		}
	}
	accepted := 0
	for _, b := range results {
		for _, r := range b.records {
			accepted++
			sealed, ok := where[r]
			if !ok {
				t.Fatalf("accepted record %s is not stored", r)
			}
			if sealed != b.encrypted {
				t.Fatalf("record %s stored sealed=%v, but its call answered Encrypted: %v", r, sealed, b.encrypted)
			}
			delete(where, r)
		}
	}
	if len(where) != 0 {
		t.Fatalf("%d stored records were never accepted", len(where))
	}
	if keys[k1] == 0 || keys[k2] == 0 || keys[""] == 0 || len(keys) != 4 {
		t.Fatalf("messages per key = %v, want some under k1, k2, the service key and in plaintext", keys)
	}
	t.Logf("%d records in %d calls, %d stored messages; per key: %v", accepted, len(results), len(msgs), keys)

	// A sealed message cannot be opened as another stream's: the data key's
	// encryption context and the message's additional data name the stream.
	other, err := srv.App.Streams().Lookup(ctxT(t), caller, "neighbour")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := srv.App.Streams().Lookup(ctxT(t), caller, "load")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := srv.App.Store().ReadRecords(ctxT(t), ds.UID, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range raw {
		msg, err := records.Parse(m.Data)
		if err != nil || !msg.Sealed() {
			continue
		}
		if _, _, err := srv.App.Sealer().Open(ctxT(t), other, &msg, nil); err == nil {
			t.Fatal("a sealed message of one stream opened as another stream's")
		} else if errors.Is(err, records.ErrCorrupt) {
			t.Fatalf("opening as another stream: %v, want an authentication or KMS refusal", err)
		}
		break
	}

	// The old keys' grants go once their records are delivered.
	dropStored(t, srv, "load")
	apptest.Eventually(t, waitFor, "k1 and k2 grants retired", func() bool {
		return len(grants(t, kmsClient(srv), k1)) == 0 && len(grants(t, kmsClient(srv), k2)) == 0
	})
}

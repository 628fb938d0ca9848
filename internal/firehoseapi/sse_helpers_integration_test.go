package firehoseapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
)

// Shared fixtures of the server-side encryption tests (spec §1): a KMS
// client on the same server, keys, encrypted streams, and readers of what
// the server stored.

// grantRevoked is the message puts get when the stream's customer key
// cannot be used (spec §1.7, observed on AWS).
const grantRevoked = "The grant for the CMK to this delivery stream might have been revoked or caller might not have sufficient permissions for the CMK."

// caller is the account and region the SDK clients of these tests act in.
var caller = firehose.Caller{AccountID: account, Region: "us-east-1"}

// withEncryptionDelay keeps ENABLING and DISABLING for d (0: the
// controller acts at once).
func withEncryptionDelay(d time.Duration) apptest.Option {
	return func(c *config.Config) { c.EncryptionDelay = d }
}

// startSSE runs a server with no ENABLING/DISABLING delay unless opts set
// one.
func startSSE(t *testing.T, opts ...apptest.Option) *apptest.Server {
	t.Helper()
	return apptest.Start(t, append([]apptest.Option{withEncryptionDelay(0)}, opts...)...)
}

func kmsClient(srv *apptest.Server) *awskms.Client {
	return awskms.NewFromConfig(srv.AWSConfig("us-east-1"))
}

// createKey creates a KMS key and returns its ARN; mutate adjusts the
// input (key spec, usage).
func createKey(t *testing.T, k *awskms.Client, mutate ...func(*awskms.CreateKeyInput)) string {
	t.Helper()
	in := &awskms.CreateKeyInput{Description: aws.String("sse test key")}
	for _, m := range mutate {
		m(in)
	}
	out, err := k.CreateKey(ctxT(t), in)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

func disableKey(t *testing.T, k *awskms.Client, arn string) {
	t.Helper()
	if _, err := k.DisableKey(ctxT(t), &awskms.DisableKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatalf("DisableKey: %v", err)
	}
}

func enableKey(t *testing.T, k *awskms.Client, arn string) {
	t.Helper()
	if _, err := k.EnableKey(ctxT(t), &awskms.EnableKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatalf("EnableKey: %v", err)
	}
}

// grants lists the grants Firehose holds on a key.
func grants(t *testing.T, k *awskms.Client, arn string) []kmstypes.GrantListEntry {
	t.Helper()
	out, err := k.ListGrants(ctxT(t), &awskms.ListGrantsInput{KeyId: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListGrants %s: %v", arn, err)
	}
	var fhGrants []kmstypes.GrantListEntry
	for _, g := range out.Grants {
		if aws.ToString(g.GranteePrincipal) == firehose.GranteePrincipal {
			fhGrants = append(fhGrants, g)
		}
	}
	return fhGrants
}

// parkedS3 creates a DirectPut stream whose destination buffers for as
// long as Firehose allows, so stored records stay in the record log for
// the test to read whatever delivery does meanwhile.
func parkedS3(t *testing.T, c *fh.Client, name string, mutate ...func(*fh.CreateDeliveryStreamInput)) {
	t.Helper()
	createS3(t, c, name, append([]func(*fh.CreateDeliveryStreamInput){func(in *fh.CreateDeliveryStreamInput) {
		in.ExtendedS3DestinationConfiguration.BufferingHints = &types.BufferingHints{IntervalInSeconds: aws.Int32(900), SizeInMBs: aws.Int32(128)}
	}}, mutate...)...)
}

// activeStream creates a parked stream and waits until it is ACTIVE.
func activeStream(t *testing.T, c *fh.Client, name string) {
	t.Helper()
	parkedS3(t, c, name)
	waitActive(t, c, name)
}

func customerKey(arn string) *types.DeliveryStreamEncryptionConfigurationInput {
	return &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: aws.String(arn)}
}

func awsOwnedKey() *types.DeliveryStreamEncryptionConfigurationInput {
	return &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk}
}

func startEncryption(ctx context.Context, c *fh.Client, name string, in *types.DeliveryStreamEncryptionConfigurationInput) error {
	_, err := c.StartDeliveryStreamEncryption(ctx, &fh.StartDeliveryStreamEncryptionInput{
		DeliveryStreamName: aws.String(name), DeliveryStreamEncryptionConfigurationInput: in,
	})
	return err
}

func stopEncryption(ctx context.Context, c *fh.Client, name string) error {
	_, err := c.StopDeliveryStreamEncryption(ctx, &fh.StopDeliveryStreamEncryptionInput{DeliveryStreamName: aws.String(name)})
	return err
}

func mustStart(t *testing.T, c *fh.Client, name string, in *types.DeliveryStreamEncryptionConfigurationInput) {
	t.Helper()
	if err := startEncryption(ctxT(t), c, name, in); err != nil {
		t.Fatalf("StartDeliveryStreamEncryption %s: %v", name, err)
	}
}

func mustStop(t *testing.T, c *fh.Client, name string) {
	t.Helper()
	if err := stopEncryption(ctxT(t), c, name); err != nil {
		t.Fatalf("StopDeliveryStreamEncryption %s: %v", name, err)
	}
}

// encryption returns the stream's DeliveryStreamEncryptionConfiguration.
func encryption(t *testing.T, c *fh.Client, name string) *types.DeliveryStreamEncryptionConfiguration {
	t.Helper()
	e := describe(t, c, name).DeliveryStreamEncryptionConfiguration
	if e == nil {
		t.Fatalf("%s: DeliveryStreamEncryptionConfiguration is absent", name)
	}
	return e
}

// waitEncryption polls until the encryption status is want and returns
// the configuration.
func waitEncryption(t *testing.T, c *fh.Client, name string, want types.DeliveryStreamEncryptionStatus) *types.DeliveryStreamEncryptionConfiguration {
	t.Helper()
	var e *types.DeliveryStreamEncryptionConfiguration
	apptest.Eventually(t, waitFor, fmt.Sprintf("%s encryption %s", name, want), func() bool {
		e = encryption(t, c, name)
		return e.Status == want
	})
	return e
}

// sseWant is an exact expectation of DeliveryStreamEncryptionConfiguration.
type sseWant struct {
	Status  types.DeliveryStreamEncryptionStatus
	KeyType types.KeyType
	KeyARN  string
	// Failure is the FailureDescription.Type ("" for none); Details must
	// then contain FailureDetail.
	Failure       types.DeliveryStreamFailureType
	FailureDetail string
}

func checkEncryption(t *testing.T, what string, got *types.DeliveryStreamEncryptionConfiguration, want sseWant) {
	t.Helper()
	var fType types.DeliveryStreamFailureType
	var fDetails string
	if got.FailureDescription != nil {
		fType, fDetails = got.FailureDescription.Type, aws.ToString(got.FailureDescription.Details)
	}
	if got.Status != want.Status || got.KeyType != want.KeyType || aws.ToString(got.KeyARN) != want.KeyARN || fType != want.Failure {
		t.Fatalf("%s: encryption = {Status:%s KeyType:%q KeyARN:%q Failure:%q %q}\nwant {Status:%s KeyType:%q KeyARN:%q Failure:%q}",
			what, got.Status, got.KeyType, aws.ToString(got.KeyARN), fType, fDetails, want.Status, want.KeyType, want.KeyARN, want.Failure)
	}
	if want.Failure != "" && !strings.Contains(fDetails, want.FailureDetail) {
		t.Fatalf("%s: FailureDescription.Details = %q, want it to contain %q", what, fDetails, want.FailureDetail)
	}
}

// putBatch puts records with PutRecordBatch and returns the answer.
func putBatch(ctx context.Context, c *fh.Client, name string, recs ...string) (*fh.PutRecordBatchOutput, error) {
	in := &fh.PutRecordBatchInput{DeliveryStreamName: aws.String(name)}
	for _, r := range recs {
		in.Records = append(in.Records, types.Record{Data: []byte(r)})
	}
	return c.PutRecordBatch(ctx, in)
}

// putOne puts one record with PutRecord and says whether it was stored
// encrypted.
func putOne(t *testing.T, c *fh.Client, name, data string) bool {
	t.Helper()
	out, err := c.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String(name), Record: &types.Record{Data: []byte(data)}})
	if err != nil {
		t.Fatalf("PutRecord %s: %v", name, err)
	}
	return aws.ToBool(out.Encrypted)
}

// waitPutsEncrypted polls (puts are the only way to observe it) until a
// PutRecord answers Encrypted == want: SSE changes reach the data path
// within a few seconds of the status change (spec §1.3/§1.4).
func waitPutsEncrypted(t *testing.T, c *fh.Client, name string, want bool) {
	t.Helper()
	apptest.Eventually(t, waitFor, fmt.Sprintf("puts to %s Encrypted=%v", name, want), func() bool {
		return putOne(t, c, name, "probe") == want
	})
}

// wantInvalidKMS asserts InvalidKMSResourceException with the KMS code in
// its "code" member and, when message is not empty, that exact message.
func wantInvalidKMS(t *testing.T, err error, code, message string) {
	t.Helper()
	var e *types.InvalidKMSResourceException
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want InvalidKMSResourceException", err, err)
	}
	if aws.ToString(e.Code) != code {
		t.Fatalf("InvalidKMSResourceException code = %q (message %q), want %q", aws.ToString(e.Code), e.ErrorMessage(), code)
	}
	if message != "" && e.ErrorMessage() != message {
		t.Fatalf("InvalidKMSResourceException message:\n got: %q\nwant: %q", e.ErrorMessage(), message)
	}
}

// storedMessage is one stored message of a stream, opened.
type storedMessage struct {
	Seq     uint64
	Sealed  bool
	KeyID   string // KMS key ARN of a sealed message
	Records []string
}

// storedMessages reads every stored message of a stream from the record
// log and opens the sealed ones with the data path's sealer, failing the
// test if any cannot be opened.
// lastStoredKey returns the KMS key id of the newest message stored for a
// stream ("" when it is plaintext), and whether there is one.
func lastStoredKey(t *testing.T, srv *apptest.Server, name string) (string, bool) {
	t.Helper()
	ctx := ctxT(t)
	ds, err := srv.App.Streams().Lookup(ctx, caller, name)
	if err != nil {
		t.Fatalf("look up %s: %v", name, err)
	}
	seq, err := srv.App.Store().LastSequence(ctx, ds.UID)
	if err != nil || seq == 0 {
		return "", false
	}
	raw, err := srv.App.Store().ReadRecords(ctx, ds.UID, seq, 1)
	if err != nil || len(raw) == 0 {
		return "", false
	}
	msg, err := records.Parse(raw[0].Data)
	if err != nil {
		t.Fatalf("message %d of %s: %v", seq, name, err)
	}
	return msg.KeyID(), true
}

func storedMessages(t *testing.T, srv *apptest.Server, name string) []storedMessage {
	t.Helper()
	ctx := ctxT(t)
	ds, err := srv.App.Streams().Lookup(ctx, caller, name)
	if err != nil {
		t.Fatalf("look up %s: %v", name, err)
	}
	raw, err := srv.App.Store().ReadRecords(ctx, ds.UID, 0, 1<<20)
	if err != nil {
		t.Fatalf("stored messages of %s: %v", name, err)
	}
	out := make([]storedMessage, 0, len(raw))
	for _, m := range raw {
		msg, err := records.Parse(m.Data)
		if err != nil {
			t.Fatalf("message %d of %s: %v", m.Sequence, name, err)
		}
		sm := storedMessage{Seq: m.Sequence, Sealed: msg.Sealed(), KeyID: msg.KeyID()}
		var r records.Reader
		if msg.Sealed() {
			r, _, err = srv.App.Sealer().Open(ctx, ds, &msg, nil)
		} else {
			r, err = msg.Records()
		}
		if err != nil {
			t.Fatalf("open message %d of %s (sealed %v, key %s): %v", m.Sequence, name, msg.Sealed(), msg.KeyID(), err)
		}
		for r.Next() {
			sm.Records = append(sm.Records, string(r.Data()))
		}
		out = append(out, sm)
	}
	return out
}

// dropStored removes every stored message of a stream, as delivery does
// once they reached the destination.
func dropStored(t *testing.T, srv *apptest.Server, name string) {
	t.Helper()
	ds, err := srv.App.Streams().Lookup(ctxT(t), caller, name)
	if err != nil {
		t.Fatalf("look up %s: %v", name, err)
	}
	if err := srv.App.Store().PurgeRecords(ctxT(t), ds.UID); err != nil {
		t.Fatalf("drop stored messages of %s: %v", name, err)
	}
}

// metricValue reads one counter of /metrics for a stream (0 when absent).
func metricValue(t *testing.T, srv *apptest.Server, metric, streamARN string) float64 {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric) + `\{[^}]*"` + regexp.QuoteMeta(streamARN) + `"[^}]*\} (\S+)$`)
	m := re.FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("metric %s value %q: %v", metric, m[1], err)
	}
	return v
}

package auth_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// TestAccountIsolation: two accounts, each through its own configured key, see only their own
// delivery streams and KMS keys, can reuse each other's names, and get "not found" for the
// other's resources, even when they name them by ARN. Regions partition in the same way.
func TestAccountIsolation(t *testing.T) {
	srv := apptest.Start(t, withAccounts)
	fa := firehoseClient(srv, keyA, secretA, "us-east-1")
	fb := firehoseClient(srv, keyB, secretB, "us-east-1")

	arnA := createStream(t, fa, "shared")
	arnB := createStream(t, fb, "shared") // the same name in another account is another stream
	createStream(t, fa, "only-a")
	createStream(t, fb, "only-b")
	if !strings.Contains(arnA, ":"+accountA+":") || !strings.Contains(arnB, ":"+accountB+":") {
		t.Fatalf("ARNs %s and %s do not name their accounts", arnA, arnB)
	}

	if got := listStreams(t, fa); strings.Join(got, ",") != "only-a,shared" {
		t.Errorf("account A lists %v", got)
	}
	if got := listStreams(t, fb); strings.Join(got, ",") != "only-b,shared" {
		t.Errorf("account B lists %v", got)
	}
	_, err := fa.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("only-b")})
	wantCode(t, "A describes B's stream", err, "ResourceNotFoundException", "")
	_, err = fa.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("only-b"), Record: &types.Record{Data: []byte("x")}})
	wantCode(t, "A puts into B's stream", err, "ResourceNotFoundException", "")
	_, err = fa.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("only-b")})
	wantCode(t, "A deletes B's stream", err, "ResourceNotFoundException", "")
	_, err = fa.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: aws.String("only-b"), Tags: []types.Tag{{Key: aws.String("k")}}})
	wantCode(t, "A tags B's stream", err, "ResourceNotFoundException", "")
	// B's stream is untouched by A's attempts.
	if got := listStreams(t, fb); strings.Join(got, ",") != "only-b,shared" {
		t.Errorf("after A's attempts, account B lists %v", got)
	}
	// Another region of the same account is another namespace.
	if got := listStreams(t, firehoseClient(srv, keyA, secretA, "eu-west-1")); len(got) != 0 {
		t.Errorf("account A in eu-west-1 lists %v", got)
	}

	ka := kms.NewFromConfig(awsConfig(srv, keyA, secretA, "us-east-1"))
	kb := kms.NewFromConfig(awsConfig(srv, keyB, secretB, "us-east-1"))
	keyOfA := createKey(t, ka, "alias/shared")
	keyOfB := createKey(t, kb, "alias/shared") // alias names are per account too
	if got := listKeys(t, ka); len(got) != 1 || got[0] != keyOfA.id {
		t.Errorf("account A lists keys %v, want [%s]", got, keyOfA.id)
	}
	if got := listKeys(t, kb); len(got) != 1 || got[0] != keyOfB.id {
		t.Errorf("account B lists keys %v, want [%s]", got, keyOfB.id)
	}
	for _, ref := range []string{keyOfB.id, keyOfB.arn} {
		_, err = ka.DescribeKey(ctxT(t), &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		wantCode(t, "A describes B's key "+ref, err, "NotFoundException", "")
		_, err = ka.Encrypt(ctxT(t), &kms.EncryptInput{KeyId: aws.String(ref), Plaintext: []byte("x")})
		if err == nil {
			t.Errorf("A encrypted with B's key %s", ref)
		}
	}
	// A ciphertext made by B cannot be decrypted by A.
	enc, err := kb.Encrypt(ctxT(t), &kms.EncryptInput{KeyId: aws.String(keyOfB.id), Plaintext: []byte("b's secret")})
	if err != nil {
		t.Fatalf("B encrypts: %v", err)
	}
	if _, err := ka.Decrypt(ctxT(t), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err == nil {
		t.Errorf("A decrypted B's ciphertext")
	}
	if _, err := kb.Decrypt(ctxT(t), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Errorf("B cannot decrypt its own ciphertext: %v", err)
	}
	// Each account's alias points at its own key.
	d, err := ka.DescribeKey(ctxT(t), &kms.DescribeKeyInput{KeyId: aws.String("alias/shared")})
	if err != nil || aws.ToString(d.KeyMetadata.KeyId) != keyOfA.id {
		t.Errorf("A's alias/shared = %v, %v; want %s", d, err, keyOfA.id)
	}
}

// TestDevelopmentModeIsolation: with no credentials, 12-digit access keys play two accounts
// that are just as separate.
func TestDevelopmentModeIsolation(t *testing.T) {
	srv := apptest.Start(t)
	fa := firehoseClient(srv, accountA, "any", "us-east-1")
	fb := firehoseClient(srv, accountB, "any", "us-east-1")
	createStream(t, fa, "mine")
	if got := listStreams(t, fb); len(got) != 0 {
		t.Fatalf("development account B lists %v", got)
	}
	_, err := fb.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("mine")})
	wantCode(t, "B describes A's stream", err, "ResourceNotFoundException", "")
}

func listStreams(t *testing.T, c *fh.Client) []string {
	t.Helper()
	out, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatalf("ListDeliveryStreams: %v", err)
	}
	names := append([]string(nil), out.DeliveryStreamNames...)
	sort.Strings(names)
	return names
}

type keyRef struct{ id, arn string }

func createKey(t *testing.T, c *kms.Client, alias string) keyRef {
	t.Helper()
	out, err := c.CreateKey(ctxT(t), &kms.CreateKeyInput{Description: aws.String("isolation test")})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	ref := keyRef{id: aws.ToString(out.KeyMetadata.KeyId), arn: aws.ToString(out.KeyMetadata.Arn)}
	if _, err := c.CreateAlias(ctxT(t), &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(ref.id)}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	return ref
}

func listKeys(t *testing.T, c *kms.Client) []string {
	t.Helper()
	out, err := c.ListKeys(ctxT(t), &kms.ListKeysInput{})
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	ids := make([]string, 0, len(out.Keys))
	for _, k := range out.Keys {
		ids = append(ids, aws.ToString(k.KeyId))
	}
	return ids
}

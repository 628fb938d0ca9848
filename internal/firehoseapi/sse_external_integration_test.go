package firehoseapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
)

// External KMS mode (--kms-endpoint) end to end against moto_server's KMS:
// keys live in moto, Sluice only calls it through the AWS SDK.

// motoAccount is moto's default account.
const motoAccount = "123456789012"

// startMoto runs moto_server on a free loopback port for the rest of the
// test and returns its URL. Without moto_server the test is skipped, except
// in CI, where it fails.
func startMoto(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("moto_server is required in CI: %v", err)
		}
		t.Skipf("moto_server not installed: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(exe, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so the cleanup ends its children too
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	apptest.Eventually(t, 60*time.Second, "moto_server ready", func() bool {
		select {
		case err := <-done:
			t.Fatalf("moto_server exited: %v", err)
		default:
		}
		resp, err := http.Get(url + "/moto-api/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url
}

// motoKMS is a KMS client of moto itself.
func motoKMS(url string) *awskms.Client {
	return awskms.New(awskms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

func TestSSEExternalKMSMoto(t *testing.T) {
	moto := startMoto(t)
	mk := motoKMS(moto)
	srv := startSSE(t, func(c *config.Config) {
		c.KMSEndpoint = moto
		c.KMSRegion = "us-east-1"
		c.KMSAccessKey, c.KMSSecretKey = "testing", "testing"
	})
	c := srv.Firehose()
	key := createKey(t, mk)
	if !strings.Contains(key, ":"+motoAccount+":key/") {
		t.Fatalf("moto key ARN %s", key)
	}

	// A key only moto knows: the built-in KMS (still served on the port)
	// does not, yet Start accepts it.
	if _, err := kmsClient(srv).DescribeKey(ctxT(t), &awskms.DescribeKeyInput{KeyId: aws.String(key)}); err == nil {
		t.Fatal("the built-in KMS knows moto's key")
	}
	activeStream(t, c, "ext")
	mustStart(t, c, "ext", customerKey(key))
	checkEncryption(t, "Start(moto key)", waitEncryption(t, c, "ext", types.DeliveryStreamEncryptionStatusEnabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeCustomerManagedCmk, KeyARN: key})
	g := grants(t, mk, key)
	if len(g) != 1 || !strings.HasPrefix(aws.ToString(g[0].Name), "firehose-") {
		t.Fatalf("grants in moto = %+v, want one Firehose grant", g)
	}
	out, err := putBatch(ctxT(t), c, "ext", "alpha", "beta")
	if err != nil || !aws.ToBool(out.Encrypted) {
		t.Fatalf("PutRecordBatch = %+v, %v; want Encrypted: true", out, err)
	}
	if !putOne(t, c, "ext", "gamma") {
		t.Fatal("PutRecord answered Encrypted: false")
	}
	// The stored messages name moto's key and open through moto.
	var got []string
	for _, m := range storedMessages(t, srv, "ext") {
		if !m.Sealed || m.KeyID != key {
			t.Fatalf("message %d: sealed %v under %q, want sealed under %s", m.Seq, m.Sealed, m.KeyID, key)
		}
		got = append(got, m.Records...)
	}
	if strings.Join(got, ",") != "alpha,beta,gamma" {
		t.Fatalf("stored records = %v", got)
	}

	// Synchronous key checks go to moto too.
	missing := "arn:aws:kms:us-east-1:" + motoAccount + ":key/0b6e7a3c-59b8-4f6e-9d2a-6c1f1c0e7d11"
	activeStream(t, c, "ext2")
	wantInvalidKMS(t, startEncryption(ctxT(t), c, "ext2", customerKey(missing)), "NotFoundException", "")
	disabled := createKey(t, mk)
	disableKey(t, mk, motoKeyID(disabled))
	wantInvalidKMS(t, startEncryption(ctxT(t), c, "ext2", customerKey(disabled)), "DisabledException", disabled+" is disabled.")

	// Key trouble on the data path: a disabled key, then a revoked grant
	// (moto lists no grant rather than failing: also a revocation).
	disableKey(t, mk, motoKeyID(key))
	waitPutsRefused(t, c, "ext", "DisabledException")
	enableKey(t, mk, motoKeyID(key))
	apptest.Eventually(t, waitFor, "puts accepted again", func() bool {
		_, err := putBatch(ctxT(t), c, "ext", "delta")
		return err == nil
	})
	if _, err := mk.RevokeGrant(ctxT(t), &awskms.RevokeGrantInput{KeyId: aws.String(key), GrantId: g[0].GrantId}); err != nil {
		t.Fatal(err)
	}
	waitPutsRefused(t, c, "ext", "InvalidGrantIdException")

	// AWS_OWNED_CMK in external mode: a key of the external KMS under the
	// alias alias/sluice/firehose-aws-owned-cmk, made on first use.
	mustStart(t, c, "ext2", awsOwnedKey())
	checkEncryption(t, "Start(AWS_OWNED_CMK)", waitEncryption(t, c, "ext2", types.DeliveryStreamEncryptionStatusEnabled),
		sseWant{Status: types.DeliveryStreamEncryptionStatusEnabled, KeyType: types.KeyTypeAwsOwnedCmk})
	owned, err := mk.DescribeKey(ctxT(t), &awskms.DescribeKeyInput{KeyId: aws.String("alias/sluice/firehose-aws-owned-cmk")})
	if err != nil {
		t.Fatalf("the service key alias is not in moto: %v", err)
	}
	if !putOne(t, c, "ext2", "owned") {
		t.Fatal("put with the external AWS-owned key answered Encrypted: false")
	}
	if last := lastStored(t, srv, "ext2"); last.KeyID != aws.ToString(owned.KeyMetadata.Arn) || last.Records[0] != "owned" {
		t.Fatalf("sealed under %q, want moto's service key %s", last.KeyID, aws.ToString(owned.KeyMetadata.Arn))
	}

	// Stop with a customer key retires the grant in moto once the records
	// are delivered (dropped here).
	k3 := createKey(t, mk)
	mustStart(t, c, "ext2", customerKey(k3))
	waitEncryption(t, c, "ext2", types.DeliveryStreamEncryptionStatusEnabled)
	if len(grants(t, mk, k3)) != 1 {
		t.Fatal("no grant in moto after Start")
	}
	mustStop(t, c, "ext2")
	waitEncryption(t, c, "ext2", types.DeliveryStreamEncryptionStatusDisabled)
	dropStored(t, srv, "ext2")
	apptest.Eventually(t, waitFor, "grant retired in moto", func() bool { return len(grants(t, mk, k3)) == 0 })
}

// motoKeyID is the key id of a key ARN: moto's DisableKey and EnableKey
// fail (HTTP 500) when given an ARN.
func motoKeyID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// A KMS endpoint that does not answer fails nothing for good: Start of a
// customer key answers an internal error (the SDK retries it), and the
// stream's status does not change.
func TestSSEExternalKMSUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	srv := startSSE(t, func(c *config.Config) {
		c.KMSEndpoint = dead
		c.KMSAccessKey, c.KMSSecretKey = "testing", "testing"
	})
	c := srv.Firehose()
	activeStream(t, c, "s")
	ctx, cancel := context.WithTimeout(ctxT(t), time.Minute)
	defer cancel()
	err = startEncryption(ctx, c, "s", customerKey("arn:aws:kms:us-east-1:"+motoAccount+":key/0b6e7a3c-59b8-4f6e-9d2a-6c1f1c0e7d11"))
	var ikms *types.InvalidKMSResourceException
	if err == nil || errors.As(err, &ikms) {
		t.Fatalf("Start with KMS unreachable = %v, want a retryable service error", err)
	}
	checkEncryption(t, "after the failed Start", encryption(t, c, "s"), sseWant{Status: types.DeliveryStreamEncryptionStatusDisabled})
}

// waitPutsRefused polls until puts fail with InvalidKMSResourceException
// carrying code.
func waitPutsRefused(t *testing.T, c *fh.Client, name, code string) {
	t.Helper()
	apptest.Eventually(t, waitFor, name+" puts refused with "+code, func() bool {
		_, err := putBatch(ctxT(t), c, name, "x")
		var e *types.InvalidKMSResourceException
		return errors.As(err, &e) && aws.ToString(e.Code) == code
	})
	_, err := putBatch(ctxT(t), c, name, "refused")
	wantInvalidKMS(t, err, code, grantRevoked)
}

package kmsbridge_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/kms"
	"github.com/sluicehq/sluice/internal/kmsapi"
	"github.com/sluicehq/sluice/internal/kmsbridge"
	"github.com/sluicehq/sluice/internal/kv"
)

// The contract every firehose.KMS implementation keeps, run against
// Builtin (in-process), External over the built-in KMS's own wire API, and
// External over moto_server. Key management goes through each KMS's own
// means; the implementation under test only does what Firehose does.

const account = "000000000000"

var caller = firehose.Caller{AccountID: account, Region: "us-east-1"}

// fixture is one implementation with the means to set up its keys.
type fixture struct {
	kms       firehose.KMS
	caller    firehose.Caller
	createKey func(t *testing.T, spec, usage string) string // key ARN
	disable   func(t *testing.T, arn string)
	enable    func(t *testing.T, arn string)
	revoke    func(t *testing.T, arn, grantID string)
	// emulator marks a KMS that does not enforce key states on crypto
	// operations (moto).
	emulator bool
}

func newBuiltinKMS(t *testing.T) *kms.Service {
	t.Helper()
	svc, err := kms.NewService(kms.Config{}, kv.NewMemory(), bytes.Repeat([]byte{9}, kms.RootKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// serviceFixture manages keys on the built-in KMS directly.
func serviceFixture(svc *kms.Service, impl firehose.KMS) fixture {
	kc := kms.Caller{AccountID: account, Region: "us-east-1"}
	ctx := context.Background()
	return fixture{
		kms: impl, caller: caller,
		createKey: func(t *testing.T, spec, usage string) string {
			md, err := svc.CreateKey(ctx, kc, kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
			if err != nil {
				t.Fatal(err)
			}
			return md.Arn
		},
		disable: func(t *testing.T, arn string) {
			if err := svc.DisableKey(ctx, kc, arn); err != nil {
				t.Fatal(err)
			}
		},
		enable: func(t *testing.T, arn string) {
			if err := svc.EnableKey(ctx, kc, arn); err != nil {
				t.Fatal(err)
			}
		},
		revoke: func(t *testing.T, arn, grantID string) {
			if err := svc.RevokeGrant(ctx, kc, arn, grantID, false); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// sdkFixture manages keys through an SDK client of the external KMS.
func sdkFixture(t *testing.T, endpoint string, akid string, idOnly bool) fixture {
	t.Helper()
	ext, err := kmsbridge.NewExternal(context.Background(), kmsbridge.ExternalConfig{
		Endpoint: endpoint, Region: "us-east-1", AccessKey: akid, SecretKey: "secret", CallTimeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := awskms.New(awskms.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(akid, "secret", ""),
	})
	ctx := context.Background()
	id := func(arn string) string {
		if idOnly { // moto's Enable/DisableKey need the bare key id
			return arn[strings.LastIndex(arn, "/")+1:]
		}
		return arn
	}
	return fixture{
		kms: ext,
		createKey: func(t *testing.T, spec, usage string) string {
			in := &awskms.CreateKeyInput{}
			if spec != "" {
				in.KeySpec, in.KeyUsage = kmstypes.KeySpec(spec), kmstypes.KeyUsageType(usage)
			}
			out, err := admin.CreateKey(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return aws.ToString(out.KeyMetadata.Arn)
		},
		disable: func(t *testing.T, arn string) {
			if _, err := admin.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: aws.String(id(arn))}); err != nil {
				t.Fatal(err)
			}
		},
		enable: func(t *testing.T, arn string) {
			if _, err := admin.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: aws.String(id(arn))}); err != nil {
				t.Fatal(err)
			}
		},
		revoke: func(t *testing.T, arn, grantID string) {
			if _, err := admin.RevokeGrant(ctx, &awskms.RevokeGrantInput{KeyId: aws.String(arn), GrantId: aws.String(grantID)}); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func TestContractBuiltin(t *testing.T) {
	svc := newBuiltinKMS(t)
	runContract(t, serviceFixture(svc, kmsbridge.NewBuiltin(svc)))
}

// External against the built-in KMS served over HTTP: the wire path of
// external mode with a KMS whose behaviour is AWS's.
func TestContractExternalOverBuiltinWire(t *testing.T) {
	svc := newBuiltinKMS(t)
	api := awsproto.NewServer(awsproto.Config{MaxBodyBytes: 1 << 20}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		awsproto.ScopeAuthenticator{DefaultAccount: account, DefaultRegion: "us-east-1"}, kmsapi.NewService(svc))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	f := sdkFixture(t, srv.URL, "AKIDCONTRACT", false)
	runContract(t, f)
}

func TestContractExternalMoto(t *testing.T) {
	f := sdkFixture(t, startMoto(t), "testing", true)
	f.emulator = true
	runContract(t, f)
}

func runContract(t *testing.T, f fixture) {
	ctx := context.Background()
	key := f.createKey(t, "", "")
	ec := map[string]string{"aws:firehose:arn": "arn:aws:firehose:us-east-1:000000000000:deliverystream/s"}

	t.Run("DescribeKey", func(t *testing.T) {
		k, err := f.kms.DescribeKey(ctx, f.caller, key)
		if err != nil || k.ARN != key || k.State != "Enabled" || !k.Symmetric {
			t.Fatalf("DescribeKey = %+v, %v", k, err)
		}
		rsa := f.createKey(t, "RSA_2048", "ENCRYPT_DECRYPT")
		if k, err := f.kms.DescribeKey(ctx, f.caller, rsa); err != nil || k.Symmetric {
			t.Fatalf("DescribeKey(RSA key) = %+v, %v; want Symmetric false", k, err)
		}
		missing := key[:strings.LastIndex(key, "/")+1] + "0b6e7a3c-59b8-4f6e-9d2a-6c1f1c0e7d11"
		_, err = f.kms.DescribeKey(ctx, f.caller, missing)
		wantCode(t, err, "NotFoundException")
	})

	t.Run("GrantLifecycle", func(t *testing.T) {
		k := f.createKey(t, "", "")
		g1, err := f.kms.CreateGrant(ctx, f.caller, k, "firehose-contract")
		if err != nil || g1 == "" {
			t.Fatalf("CreateGrant = %q, %v", g1, err)
		}
		g2, err := f.kms.CreateGrant(ctx, f.caller, k, "firehose-contract")
		if err != nil || g2 != g1 {
			t.Fatalf("CreateGrant again = %q, %v; want the same grant %q", g2, err, g1)
		}
		if err := f.kms.CheckGrant(ctx, f.caller, k, g1); err != nil {
			t.Fatalf("CheckGrant = %v", err)
		}
		f.disable(t, k)
		wantCode(t, f.kms.CheckGrant(ctx, f.caller, k, g1), "DisabledException")
		f.enable(t, k)
		if err := f.kms.CheckGrant(ctx, f.caller, k, g1); err != nil {
			t.Fatalf("CheckGrant after EnableKey = %v", err)
		}
		if err := f.kms.RetireGrant(ctx, f.caller, k, g1); err != nil {
			t.Fatalf("RetireGrant = %v", err)
		}
		wantCode(t, f.kms.CheckGrant(ctx, f.caller, k, g1), "InvalidGrantIdException")

		g3, err := f.kms.CreateGrant(ctx, f.caller, k, "firehose-other")
		if err != nil {
			t.Fatal(err)
		}
		f.revoke(t, k, g3)
		wantCode(t, f.kms.CheckGrant(ctx, f.caller, k, g3), "InvalidGrantIdException")
		if !f.emulator { // moto retires unknown grants without complaint
			if err := f.kms.RetireGrant(ctx, f.caller, k, g3); firehose.KMSCode(err) == "" {
				t.Fatalf("RetireGrant of a revoked grant = %v, want a KMS refusal", err)
			}
		}

		f.disable(t, k)
		_, err = f.kms.CreateGrant(ctx, f.caller, k, "firehose-disabled")
		if !f.emulator {
			wantCode(t, err, "DisabledException")
		}
	})

	t.Run("DataKeys", func(t *testing.T) {
		plain, enc, err := f.kms.GenerateDataKey(ctx, f.caller, key, ec)
		if err != nil || len(plain) != 32 || len(enc) == 0 {
			t.Fatalf("GenerateDataKey = %d bytes, %d bytes, %v", len(plain), len(enc), err)
		}
		got, err := f.kms.Decrypt(ctx, f.caller, key, enc, ec)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Decrypt = %x, %v; want %x", got, err, plain)
		}
		other := map[string]string{"aws:firehose:arn": "arn:aws:firehose:us-east-1:000000000000:deliverystream/other"}
		_, err = f.kms.Decrypt(ctx, f.caller, key, enc, other)
		if firehose.KMSCode(err) == "" {
			t.Fatalf("Decrypt with another stream's context = %v, want a KMS refusal", err)
		}
		if !f.emulator {
			k := f.createKey(t, "", "")
			f.disable(t, k)
			_, _, err = f.kms.GenerateDataKey(ctx, f.caller, k, ec)
			wantCode(t, err, "DisabledException")
		}
	})

	t.Run("ServiceKey", func(t *testing.T) {
		arn, owner, err := f.kms.ServiceKey(ctx, "us-east-1")
		if err != nil || !strings.Contains(arn, ":key/") || owner.AccountID == "" || owner.Region != "us-east-1" {
			t.Fatalf("ServiceKey = %q, %+v, %v", arn, owner, err)
		}
		again, _, err := f.kms.ServiceKey(ctx, "us-east-1")
		if err != nil || again != arn {
			t.Fatalf("ServiceKey again = %q, %v; want %q", again, err, arn)
		}
		plain, enc, err := f.kms.GenerateDataKey(ctx, owner, arn, ec)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.kms.Decrypt(ctx, owner, arn, enc, ec); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Decrypt under the service key = %v", err)
		}
	})
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := firehose.KMSCode(err); got != code {
		t.Fatalf("error = %v, want a KMSError %s", err, code)
	}
}

// startMoto runs moto_server on a free loopback port for the test. Without
// moto_server the test is skipped, except in CI, where it fails.
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
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
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
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("moto_server exited: %v", err)
		default:
		}
		if resp, err := http.Get(url + "/moto-api/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("moto_server did not become ready in 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/sigv4"
)

const (
	testKey      = "AKIAIOSFODNN7EXAMPLE"
	testSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testAccount  = "111122223333"
	otherKey     = "AKIDOTHERACCOUNT"
	otherSecret  = "0therS3cret/with+chars"
	defAccount   = "000000000000"
	defRegion    = "us-east-1"
	sessionToken = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDEXAMPLE+token=="
)

var testNow = time.Date(2026, 11, 22, 15, 28, 7, 0, time.UTC)

func newAuth(t testing.TB, creds []sigv4.Credential, regions ...string) *Authenticator {
	t.Helper()
	a, err := New(Config{
		Credentials:    creds,
		DefaultAccount: defAccount,
		DefaultRegion:  defRegion,
		Regions:        regions,
		Now:            func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func strictAuth(t *testing.T, regions ...string) *Authenticator {
	return newAuth(t, []sigv4.Credential{
		{AccessKeyID: testKey, SecretAccessKey: testSecret, AccountID: testAccount},
		{AccessKeyID: otherKey, SecretAccessKey: otherSecret}, // acts for the default account
	}, regions...)
}

// request builds a Firehose-shaped request, signed by the SDK signer unless key is empty.
func request(t *testing.T, body, key, secret, region, service string, at time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4573/", bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	if key == "" {
		return r
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantRefusal(t *testing.T, err error, code string, status int, msgPart string) {
	t.Helper()
	var e *awsproto.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *awsproto.Error %s", err, err, code)
	}
	if e.Code != code || e.Status != status || !strings.Contains(e.Message, msgPart) {
		t.Fatalf("error = %s %d %q, want %s %d containing %q", e.Code, e.Status, e.Message, code, status, msgPart)
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	good := sigv4.Credential{AccessKeyID: "AK", SecretAccessKey: "s"}
	tests := []struct {
		name  string
		cfg   Config
		want  string
		leaks string
	}{
		{"bad default account", Config{DefaultAccount: "12", DefaultRegion: defRegion}, "default account", ""},
		{"no region", Config{DefaultAccount: defAccount}, "region", ""},
		{"duplicate key", Config{DefaultAccount: defAccount, DefaultRegion: defRegion, Credentials: []sigv4.Credential{good, good}}, "twice", ""},
		{"empty secret", Config{DefaultAccount: defAccount, DefaultRegion: defRegion, Credentials: []sigv4.Credential{{AccessKeyID: "AK"}}}, "empty secret", ""},
		{"slash in key", Config{DefaultAccount: defAccount, DefaultRegion: defRegion, Credentials: []sigv4.Credential{{AccessKeyID: "A/K", SecretAccessKey: "topsecret"}}}, "access key", "topsecret"},
		{"bad account", Config{DefaultAccount: defAccount, DefaultRegion: defRegion, Credentials: []sigv4.Credential{{AccessKeyID: "AK", SecretAccessKey: "topsecret", AccountID: "x"}}}, "12 digits", "topsecret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want mention of %q", err, tt.want)
			}
			if tt.leaks != "" && strings.Contains(err.Error(), tt.leaks) {
				t.Fatalf("error %q shows the secret", err)
			}
		})
	}
}

func TestStrictMode(t *testing.T) {
	a := strictAuth(t)
	if a.DevelopmentMode() {
		t.Fatal("credentials configured, yet development mode")
	}
	if keys, accounts := a.Keys(); keys != 2 || accounts != 2 {
		t.Fatalf("Keys() = %d, %d", keys, accounts)
	}
	body := `{"Limit":10}`
	tests := []struct {
		name    string
		req     *http.Request
		service string
		code    string
		status  int
		msg     string
		account string
	}{
		{name: "signed", req: request(t, body, testKey, testSecret, "eu-west-1", "firehose", testNow), service: "firehose", account: testAccount},
		{name: "key without account", req: request(t, body, otherKey, otherSecret, defRegion, "kms", testNow), service: "kms", account: defAccount},
		{name: "wrong secret", req: request(t, body, testKey, "wrong", defRegion, "firehose", testNow), service: "firehose",
			code: sigv4.CodeInvalidSignature, status: 400, msg: sigv4.MsgSignatureDoesNotMatch},
		{name: "unknown key", req: request(t, body, "AKIDNOBODY", testSecret, defRegion, "firehose", testNow), service: "firehose",
			code: sigv4.CodeUnrecognizedClient, status: 400, msg: sigv4.MsgUnrecognizedClient},
		{name: "missing", req: request(t, body, "", "", "", "", testNow), service: "firehose",
			code: sigv4.CodeMissingAuthenticationToken, status: 400, msg: sigv4.MsgMissingAuthenticationToken},
		{name: "expired", req: request(t, body, testKey, testSecret, defRegion, "firehose", testNow.Add(-6*time.Minute)), service: "firehose",
			code: sigv4.CodeInvalidSignature, status: 400, msg: "Signature expired: 20261122T152207Z is now earlier than 20261122T152307Z (20261122T152807Z - 5 min.)"},
		{name: "wrong service", req: request(t, body, testKey, testSecret, defRegion, "firehose", testNow), service: "kms",
			code: sigv4.CodeInvalidSignature, status: 400, msg: "Credential should be scoped to correct service: 'kms'."},
		{name: "not a region", req: request(t, body, testKey, testSecret, "local", "firehose", testNow), service: "firehose",
			code: sigv4.CodeInvalidSignature, status: 400, msg: "Credential should be scoped to a valid region, not 'local'."},
		{name: "s3 missing", req: request(t, "", "", "", "", "", testNow), service: "s3",
			code: sigv4.CodeS3AccessDenied, status: 403, msg: "Access Denied"},
		{name: "s3 unknown key", req: request(t, "", "AKIDNOBODY", testSecret, defRegion, "s3", testNow), service: "s3",
			code: sigv4.CodeS3InvalidAccessKeyID, status: 403, msg: sigv4.MsgS3InvalidAccessKeyID},
		{name: "s3 wrong secret", req: request(t, "", testKey, "wrong", defRegion, "s3", testNow), service: "s3",
			code: sigv4.CodeS3SignatureDoesNotMatch, status: 403, msg: sigv4.MsgS3SignatureDoesNotMatch},
		{name: "s3 not a region", req: request(t, "", testKey, testSecret, "local", "s3", testNow), service: "s3",
			code: sigv4.CodeS3AuthorizationHeaderMalformed, status: 400, msg: "the region 'local' is wrong"},
		{name: "s3 signed", req: request(t, "", testKey, testSecret, defRegion, "s3", testNow), service: "s3", account: testAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.service == "s3" {
				b = ""
			}
			id, err := a.Authenticate(tt.req, []byte(b), tt.service)
			if tt.code != "" {
				wantRefusal(t, err, tt.code, tt.status, tt.msg)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if id.AccountID != tt.account {
				t.Fatalf("account = %s, want %s", id.AccountID, tt.account)
			}
		})
	}
}

func TestRegionAllowList(t *testing.T) {
	a := strictAuth(t, "us-east-1", "eu-west-1")
	body := "{}"
	id, err := a.Authenticate(request(t, body, testKey, testSecret, "eu-west-1", "firehose", testNow), []byte(body), "firehose")
	if err != nil || id.Region != "eu-west-1" {
		t.Fatalf("Authenticate = %+v, %v", id, err)
	}
	_, err = a.Authenticate(request(t, body, testKey, testSecret, "ap-south-1", "firehose", testNow), []byte(body), "firehose")
	wantRefusal(t, err, sigv4.CodeInvalidSignature, 400, "Credential should be scoped to a valid region, not 'ap-south-1'.")
}

func TestPreAuthenticate(t *testing.T) {
	a := strictAuth(t)
	if err := a.PreAuthenticate(request(t, "{}", testKey, "any", defRegion, "firehose", testNow), "firehose"); err != nil {
		t.Errorf("known key refused before the body: %v", err)
	}
	wantRefusal(t, a.PreAuthenticate(request(t, "{}", "", "", "", "", testNow), "firehose"),
		sigv4.CodeMissingAuthenticationToken, 400, "Missing Authentication Token")
	wantRefusal(t, a.PreAuthenticate(request(t, "{}", "AKIDNOBODY", "x", defRegion, "firehose", testNow), "firehose"),
		sigv4.CodeUnrecognizedClient, 400, sigv4.MsgUnrecognizedClient)
	wantRefusal(t, a.PreAuthenticate(request(t, "", "AKIDNOBODY", "x", defRegion, "s3", testNow), "s3"),
		sigv4.CodeS3InvalidAccessKeyID, 403, sigv4.MsgS3InvalidAccessKeyID)
	// A malformed header is left to Authenticate, which words it precisely.
	r := request(t, "{}", "", "", "", "", testNow)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
	if err := a.PreAuthenticate(r, "firehose"); err != nil {
		t.Errorf("malformed header refused before the body: %v", err)
	}
	_, err := a.Authenticate(r, []byte("{}"), "firehose")
	wantRefusal(t, err, sigv4.CodeIncompleteSignature, 400, "")

	dev := newAuth(t, nil)
	if err := dev.PreAuthenticate(request(t, "{}", "", "", "", "", testNow), "firehose"); err != nil {
		t.Errorf("development mode refused an unsigned request early: %v", err)
	}
}

func TestDevelopmentMode(t *testing.T) {
	a := newAuth(t, nil)
	if !a.DevelopmentMode() {
		t.Fatal("no credentials, yet not development mode")
	}
	body := `{"Limit":10}`
	at := testNow.Add(-48 * time.Hour) // development mode does not enforce the clock
	tests := []struct {
		name    string
		req     *http.Request
		account string
		region  string
		code    string
		msg     string
	}{
		{name: "unsigned", req: request(t, body, "", "", "", "", at), account: defAccount, region: defRegion},
		{name: "12-digit key picks the account", req: request(t, body, "123456789012", "any", "eu-west-1", "firehose", at), account: "123456789012", region: "eu-west-1"},
		{name: "other key: default account", req: request(t, body, "AKIDTEST", "any", "eu-central-1", "firehose", at), account: defAccount, region: "eu-central-1"},
		{name: "13 digits is not an account", req: request(t, body, "1234567890123", "any", defRegion, "firehose", at), account: defAccount, region: defRegion},
		{name: "wrong service", req: request(t, body, "AKIDTEST", "any", defRegion, "kms", at),
			code: sigv4.CodeInvalidSignature, msg: "Credential should be scoped to correct service: 'firehose'."},
		{name: "not a region", req: request(t, body, "AKIDTEST", "any", "local", "firehose", at),
			code: sigv4.CodeInvalidSignature, msg: "not 'local'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := a.Authenticate(tt.req, []byte(body), "firehose")
			if tt.code != "" {
				wantRefusal(t, err, tt.code, 400, tt.msg)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if id.AccountID != tt.account || id.Region != tt.region {
				t.Fatalf("identity = %+v, want account %s region %s", id, tt.account, tt.region)
			}
		})
	}

	// A well-formed signature still has to cover the body it came with.
	r := request(t, body, "AKIDTEST", "any", defRegion, "firehose", at)
	r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))
	_, err := a.Authenticate(r, []byte(body), "firehose")
	wantRefusal(t, err, sigv4.CodeInvalidSignature, 400, "")

	// Another scheme is not "no signature".
	r = request(t, body, "", "", "", "", at)
	r.Header.Set("Authorization", "Bearer abc")
	_, err = a.Authenticate(r, []byte(body), "firehose")
	wantRefusal(t, err, sigv4.CodeMissingAuthenticationToken, 400, "")
}

// TestRefusalLogHasNoSecret: the debug line of a signature mismatch carries what helps to
// debug a client (canonical request, string to sign) and never the secret or a session token.
func TestRefusalLogHasNoSecret(t *testing.T) {
	var logs bytes.Buffer
	a, err := New(Config{
		Credentials:    []sigv4.Credential{{AccessKeyID: testKey, SecretAccessKey: testSecret, AccountID: testAccount, SessionToken: sessionToken}},
		DefaultAccount: defAccount,
		DefaultRegion:  defRegion,
		Now:            func() time.Time { return testNow },
		Log:            slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"Limit":10}`
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4573/?X-Amz-Security-Token=x", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: testKey, SecretAccessKey: "not-" + testSecret, SessionToken: sessionToken},
		r, hex.EncodeToString(sum[:]), "firehose", defRegion, testNow); err != nil {
		t.Fatal(err)
	}
	r = r.WithContext(awsproto.ContextWithRequestID(r.Context(), "req-123"))
	_, err = a.Authenticate(r, []byte(body), "firehose")
	wantRefusal(t, err, sigv4.CodeInvalidSignature, 400, sigv4.MsgSignatureDoesNotMatch)
	out := logs.String()
	for _, want := range []string{"request refused", "req-123", testKey, "canonical_request", "string_to_sign", "x-amz-security-token:<redacted>"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testSecret, sessionToken, "FwoGZXIvYXdz"} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows a secret %q:\n%s", secret, out)
		}
	}
}

func TestRedactCanonical(t *testing.T) {
	in := "POST\n/\nA=1&X-Amz-Security-Token=tok%2Fen&b=2\nhost:h\nx-amz-security-token:tok/en\n\nhost;x-amz-security-token\nabc"
	want := "POST\n/\nA=1&X-Amz-Security-Token=<redacted>&b=2\nhost:h\nx-amz-security-token:<redacted>\n\nhost;x-amz-security-token\nabc"
	if got := redactCanonical(in); got != want {
		t.Fatalf("redactCanonical =\n%s\nwant\n%s", got, want)
	}
}

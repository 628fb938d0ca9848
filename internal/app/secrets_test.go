package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/sluicehq/sluice/internal/app"
	"github.com/sluicehq/sluice/internal/config"
	sluicekms "github.com/sluicehq/sluice/internal/kms"
)

// TestNoSecretInLogsOrDescribe runs a server with debug logging captured, and does everything
// that handles a secret: SigV4 successes and failures with configured keys, HTTP-endpoint
// destinations with access keys (created, updated, refused by validation), and KMS operations
// with plaintexts and data keys. No secret may appear in any log line, and no access key in
// a Describe output.
func TestNoSecretInLogsOrDescribe(t *testing.T) {
	const (
		key     = "AKIASECRETSTEST00001"
		secret  = "Sup3r/Secret+Key/wJalrXUtnFEMIK7MDENGbPxR"
		account = "333333333333"
		// HTTP endpoint access keys, as a destination's operator would set them.
		hepKey1  = "hep-access-key-ONE-7f3c9a1d5e"
		hepKey2  = "hep-access-key-TWO-0b8e2d4c6a"
		kmsPlain = "kms-plaintext-TOP-SECRET-4242"
	)
	logs := &lockedBuffer{}
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.CreateDelay, cfg.DeleteDelay = 0, 0
	cfg.LogLevel = "debug"
	if err := cfg.Credentials.Set(key + ":" + secret + ":" + account); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := app.New(cfg, log)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		_ = a.Shutdown(sctx)
	})
	url := "http://" + a.Addr()
	awsCfg := func(secret string) aws.Config {
		return aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
			BaseEndpoint: aws.String(url),
			Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		}
	}
	wrongSecret := "Wr0ng/Secret+" + secret[13:]

	// SigV4 failures of every kind the logs describe, and successes.
	bad := fh.NewFromConfig(awsCfg(wrongSecret))
	for i := 0; i < 3; i++ {
		if _, err := bad.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{}); err == nil {
			t.Fatal("wrong secret accepted")
		}
	}
	unknown := fh.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAUNKNOWN", secret, "sess-token-SECRET-99"),
		BaseEndpoint: aws.String(url), Retryer: func() aws.Retryer { return aws.NopRetryer{} }})
	if _, err := unknown.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{}); err == nil {
		t.Fatal("unknown key accepted")
	}
	good := fh.NewFromConfig(awsCfg(secret))
	if _, err := good.ListDeliveryStreams(ctx, &fh.ListDeliveryStreamsInput{}); err != nil {
		t.Fatal(err)
	}

	// HTTP endpoint destinations: create, describe (raw JSON), update, describe again.
	call := func(target string, body any) (int, []byte) {
		t.Helper()
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		return signedPost(t, url, target, raw, key, secret)
	}
	hep := func(accessKey string) map[string]any {
		return map[string]any{
			"EndpointConfiguration": map[string]any{"Url": "https://collector.example.com/ingest", "Name": "collector", "AccessKey": accessKey},
			"S3Configuration":       map[string]any{"RoleARN": "arn:aws:iam::333333333333:role/fh", "BucketARN": "arn:aws:s3:::backup"},
		}
	}
	if status, out := call("Firehose_20150804.CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "to-http", "HttpEndpointDestinationConfiguration": hep(hepKey1),
	}); status != http.StatusOK {
		t.Fatalf("create HTTP endpoint stream: %d %s", status, out)
	}
	describe := func() (versionID string, raw []byte) {
		t.Helper()
		var out []byte
		var status int
		deadline := time.Now().Add(waitFor)
		for {
			status, out = call("Firehose_20150804.DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "to-http"})
			if status == http.StatusOK && bytes.Contains(out, []byte(`"ACTIVE"`)) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if status != http.StatusOK {
			t.Fatalf("describe: %d %s", status, out)
		}
		var d struct {
			DeliveryStreamDescription struct{ VersionId string }
		}
		_ = json.Unmarshal(out, &d)
		return d.DeliveryStreamDescription.VersionId, out
	}
	version, desc := describe()
	if bytes.Contains(desc, []byte(hepKey1)) || bytes.Contains(desc, []byte("AccessKey")) {
		t.Errorf("DescribeDeliveryStream shows the HTTP endpoint access key: %s", desc)
	}
	if status, out := call("Firehose_20150804.UpdateDestination", map[string]any{
		"DeliveryStreamName": "to-http", "CurrentDeliveryStreamVersionId": version, "DestinationId": "destinationId-000000000001",
		"HttpEndpointDestinationUpdate": map[string]any{"EndpointConfiguration": map[string]any{"Url": "https://collector.example.com/v2", "AccessKey": hepKey2}},
	}); status != http.StatusOK {
		t.Fatalf("update HTTP endpoint: %d %s", status, out)
	}
	if _, desc = describe(); bytes.Contains(desc, []byte(hepKey2)) || bytes.Contains(desc, []byte(hepKey1)) {
		t.Errorf("DescribeDeliveryStream after update shows an access key: %s", desc)
	}
	// A sensitive value that fails validation is not echoed in the message.
	tooLong := "hep-too-long-" + strings.Repeat("K", 5000)
	status, out := call("Firehose_20150804.CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "bad-http", "HttpEndpointDestinationConfiguration": hep(tooLong),
	})
	if status != http.StatusBadRequest || bytes.Contains(out, []byte("hep-too-long")) {
		t.Errorf("oversized access key: %d %s", status, truncate(out))
	}

	// KMS: plaintexts, data keys, ciphertexts.
	k := kms.NewFromConfig(awsCfg(secret))
	created, err := k.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID := created.KeyMetadata.KeyId
	enc, err := k.Encrypt(ctx, &kms.EncryptInput{KeyId: keyID, Plaintext: []byte(kmsPlain)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatal(err)
	}
	dk, err := k.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: keyID, NumberOfBytes: aws.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	// A decryption that fails (tampered ciphertext) is logged, if at all, without the blob's key.
	tampered := append([]byte(nil), enc.CiphertextBlob...)
	tampered[len(tampered)-1] ^= 1
	_, _ = k.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: tampered})
	// KMS calls with the wrong secret are refused like any other.
	if _, err := kms.NewFromConfig(awsCfg(wrongSecret)).ListKeys(ctx, &kms.ListKeysInput{}); err == nil {
		t.Fatal("KMS accepted the wrong secret")
	}

	out2 := logs.String()
	if !strings.Contains(out2, "request refused") || !strings.Contains(out2, "canonical_request") || !strings.Contains(out2, key) {
		t.Fatalf("the debug log did not capture refusals; the test would prove nothing:\n%s", out2)
	}
	secrets := map[string]string{
		"secret key":                 secret,
		"wrong secret tried":         wrongSecret,
		"session token":              "sess-token-SECRET-99",
		"HTTP endpoint access key 1": hepKey1,
		"HTTP endpoint access key 2": hepKey2,
		"KMS plaintext":              kmsPlain,
		"KMS plaintext (base64)":     base64.StdEncoding.EncodeToString([]byte(kmsPlain)),
		"data key (base64)":          base64.StdEncoding.EncodeToString(dk.Plaintext),
		"data key (hex)":             hex.EncodeToString(dk.Plaintext),
	}
	root, err := os.ReadFile(filepath.Join(cfg.DataDir, sluicekms.RootKeyFileName))
	if err != nil {
		t.Fatalf("read the KMS root key: %v", err)
	}
	secrets["KMS root key"] = strings.TrimSpace(string(root))
	for what, s := range secrets {
		if strings.Contains(out2, s) {
			t.Errorf("the log shows the %s", what)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", out2)
	}
}

// signedPost sends a JSON 1.1 request signed with key and secret, and returns the raw answer,
// for checks the SDK would hide (it drops members its types do not have).
func signedPost(t *testing.T, url, target string, body []byte, key, secret string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	service := "firehose"
	if strings.HasPrefix(target, "TrentService.") {
		service = "kms"
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// lockedBuffer collects log output from the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

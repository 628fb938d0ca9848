package auth_test

import (
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	fh "github.com/aws/aws-sdk-go-v2/service/firehose"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/certgen"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// TestTLS runs the server over HTTPS with a certificate from certgen (what `sluice gen-cert`
// writes) and credentials: the Go SDK and the AWS CLI, trusting that certificate, get in and
// are still held to their signatures; plain HTTP on the port gets nowhere.
func TestTLS(t *testing.T) {
	pair, err := certgen.Generate(certgen.Options{Hosts: []string{"127.0.0.1", "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := certgen.WriteFiles(t.TempDir(), pair, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, withAccounts, func(c *config.Config) { c.TLSCert, c.TLSKey = certPath, keyPath })
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("URL %s", srv.URL)
	}
	good := firehoseClient(srv, keyA, secretA, "us-east-1")
	createStream(t, good, "secure")
	_, err = firehoseClient(srv, keyA, "wrong", "us-east-1").ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	wantCode(t, "wrong secret over TLS", err, sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch)

	// A client that does not trust the certificate refuses the server.
	untrusting := awsConfig(srv, keyA, secretA, "us-east-1")
	untrusting.HTTPClient = &http.Client{}
	if _, err := fh.NewFromConfig(untrusting).ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{}); err == nil {
		t.Error("a client without the certificate connected")
	}
	// Plain HTTP to the TLS port is not served.
	resp, err := http.Post("http://"+strings.TrimPrefix(srv.URL, "https://"), "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the TLS port")
		}
	}

	cli, lookErr := exec.LookPath("aws")
	need(t, lookErr == nil, "the AWS CLI")
	plan := clientPlan{Key: keyA, Secret: secretA}
	cmd := exec.CommandContext(ctxT(t), cli, "firehose", "list-delivery-streams",
		"--endpoint-url", srv.URL, "--region", "us-east-1", "--ca-bundle", certPath, "--output", "text")
	cmd.Env = clientEnv(t, plan, "AWS_ACCESS_KEY_ID="+keyA, "AWS_SECRET_ACCESS_KEY="+secretA)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || !strings.Contains(stdout.String(), "secure") {
		t.Fatalf("AWS CLI over TLS: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
}

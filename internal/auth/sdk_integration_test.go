package auth_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// TestGoSDKSignatures drives the whole server with aws-sdk-go-v2 with credentials configured:
// the right secret gets in, and every way of getting the signature wrong is refused with the
// code (and message) AWS uses.
func TestGoSDKSignatures(t *testing.T) {
	srv := apptest.Start(t, withAccounts)
	good := firehoseClient(srv, keyA, secretA, "us-east-1")
	createStream(t, good, "orders")

	list := &fh.ListDeliveryStreamsInput{Limit: aws.Int32(10)}
	out, err := good.ListDeliveryStreams(ctxT(t), list)
	if err != nil {
		t.Fatalf("right secret: %v", err)
	}
	if len(out.DeliveryStreamNames) != 1 || out.DeliveryStreamNames[0] != "orders" {
		t.Fatalf("streams = %v", out.DeliveryStreamNames)
	}
	put, err := good.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("orders"), Record: &types.Record{Data: []byte("hello\n")}})
	if err != nil || aws.ToString(put.RecordId) == "" {
		t.Fatalf("PutRecord with the right secret: %v", err)
	}

	tests := []struct {
		name   string
		client *fh.Client
		code   string
		msg    string
	}{
		{"wrong secret", firehoseClient(srv, keyA, "not-"+secretA, "us-east-1"), sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch},
		{"unknown key", firehoseClient(srv, "AKIANOBODY", secretA, "us-east-1"), sigv4.CodeUnrecognizedClient, sigv4.MsgUnrecognizedClient},
		{"tampered body", firehoseClient(srv, keyA, secretA, "us-east-1", tamper(tamperBody)), sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch},
		{"tampered signed header", firehoseClient(srv, keyA, secretA, "us-east-1", tamper(setHeader("Content-Type", tamperedContentType))),
			sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch},
		{"expired date", firehoseClient(srv, keyA, secretA, "us-east-1", withClockSkew(-10*time.Minute)), sigv4.CodeInvalidSignature, "Signature expired: "},
		{"date in the future", firehoseClient(srv, keyA, secretA, "us-east-1", withClockSkew(10*time.Minute)), sigv4.CodeInvalidSignature, "Signature not yet current: "},
		{"wrong region in scope", firehoseClient(srv, keyA, secretA, "ap-south-1"), sigv4.CodeInvalidSignature, "Credential should be scoped to a valid region, not 'ap-south-1'."},
		{"missing signature", firehoseClient(srv, keyA, secretA, "us-east-1", anonymous), sigv4.CodeMissingAuthenticationToken, sigv4.MsgMissingAuthenticationToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.ListDeliveryStreams(ctxT(t), list)
			wantCode(t, "ListDeliveryStreams", err, tt.code, tt.msg)
			_, err = tt.client.PutRecord(ctxT(t), &fh.PutRecordInput{DeliveryStreamName: aws.String("orders"), Record: &types.Record{Data: []byte("x")}})
			wantCode(t, "PutRecord", err, tt.code, tt.msg)
		})
	}

	// The other service on the port verifies with its own signing name.
	k := kms.NewFromConfig(awsConfig(srv, keyA, secretA, "us-east-1"))
	if _, err := k.ListKeys(ctxT(t), &kms.ListKeysInput{}); err != nil {
		t.Fatalf("KMS with the right secret: %v", err)
	}
	_, err = kms.NewFromConfig(awsConfig(srv, keyA, "wrong", "us-east-1")).ListKeys(ctxT(t), &kms.ListKeysInput{})
	wantCode(t, "KMS wrong secret", err, sigv4.CodeInvalidSignature, sigv4.MsgSignatureDoesNotMatch)
}

// TestUnsignedRequestRefusedBeforeBody: with credentials configured a raw unsigned request is
// answered MissingAuthenticationTokenException; the operational endpoints stay open.
func TestUnsignedRequestRefused(t *testing.T) {
	srv := apptest.Start(t, withAccounts)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	req.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != sigv4.CodeMissingAuthenticationToken {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
}

// TestDevelopmentModeThroughSDK: with no credentials, any secret gets in, a 12-digit access key
// acts as that account, and a plain curl-style request acts as the default account.
func TestDevelopmentModeThroughSDK(t *testing.T) {
	srv := apptest.Start(t)
	a := firehoseClient(srv, "123456789012", "whatever", "us-east-1")
	arn := createStream(t, a, "dev")
	if want := "arn:aws:firehose:us-east-1:123456789012:deliverystream/dev"; arn != want {
		t.Fatalf("ARN = %s, want %s", arn, want)
	}
	out, err := firehoseClient(srv, "AKIDANYTHING", "else", "us-east-1").ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil || len(out.DeliveryStreamNames) != 0 {
		t.Fatalf("default account sees %v, %v", out, err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	req.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("unsigned request in development mode: %d", resp.StatusCode)
	}
	// Development mode still refuses what is not a signature at all.
	_, err = firehoseClient(srv, "AKID", "x", "us-east-1", tamper(setHeader("Authorization", "AWS4-HMAC-SHA256 Credential=x"))).
		ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	wantCode(t, "malformed Authorization", err, sigv4.CodeIncompleteSignature, "")
}

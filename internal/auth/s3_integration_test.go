package auth_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/sigv4"
)

func s3Client(srv *apptest.Server, key, secret, region string, opts ...func(*s3.Options)) *s3.Client {
	opts = append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, opts...)
	return s3.NewFromConfig(awsConfig(srv, key, secret, region), opts...)
}

// TestS3APISignatures: the built-in bucket store's S3 API on the same port is held to the same
// credentials, answering with S3's codes, and its buckets are per account.
func TestS3APISignatures(t *testing.T) {
	srv := apptest.Start(t, withAccounts)
	a := s3Client(srv, keyA, secretA, "us-east-1")
	if _, err := a.CreateBucket(ctxT(t), &s3.CreateBucketInput{Bucket: aws.String("bucket-a")}); err != nil {
		t.Fatalf("CreateBucket with the right secret: %v", err)
	}
	// A request with a body (CreateBucketConfiguration) is verified against that body.
	eu := s3Client(srv, keyA, secretA, "eu-west-1")
	if _, err := eu.CreateBucket(ctxT(t), &s3.CreateBucketInput{Bucket: aws.String("bucket-a-eu"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatalf("CreateBucket with a body: %v", err)
	}
	out, err := a.ListBuckets(ctxT(t), &s3.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 2 {
		t.Fatalf("ListBuckets = %v, %v", out, err)
	}
	// Account B sees none of A's buckets.
	outB, err := s3Client(srv, keyB, secretB, "us-east-1").ListBuckets(ctxT(t), &s3.ListBucketsInput{})
	if err != nil || len(outB.Buckets) != 0 {
		t.Fatalf("account B ListBuckets = %v, %v", outB, err)
	}
	_, err = s3Client(srv, keyB, secretB, "us-east-1").ListObjectsV2(ctxT(t), &s3.ListObjectsV2Input{Bucket: aws.String("bucket-a")})
	wantCode(t, "B lists A's bucket", err, "NoSuchBucket", "")

	tests := []struct {
		name   string
		client *s3.Client
		code   string
		msg    string
	}{
		{"wrong secret", s3Client(srv, keyA, "wrong", "us-east-1"), sigv4.CodeS3SignatureDoesNotMatch, sigv4.MsgS3SignatureDoesNotMatch},
		{"unknown key", s3Client(srv, "AKIANOBODY", secretA, "us-east-1"), sigv4.CodeS3InvalidAccessKeyID, sigv4.MsgS3InvalidAccessKeyID},
		{"expired", s3Client(srv, keyA, secretA, "us-east-1", func(o *s3.Options) {
			o.HTTPSignerV4 = skewedSigner{v4: v4.NewSigner(), skew: -20 * time.Minute}
		}), sigv4.CodeS3RequestTimeTooSkewed, sigv4.MsgS3RequestTimeTooSkewed},
		{"missing signature", s3Client(srv, keyA, secretA, "us-east-1", func(o *s3.Options) { o.Credentials = aws.AnonymousCredentials{} }),
			sigv4.CodeS3AccessDenied, sigv4.MsgS3AccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.ListObjectsV2(ctxT(t), &s3.ListObjectsV2Input{Bucket: aws.String("bucket-a")})
			wantCode(t, "ListObjectsV2", err, tt.code, tt.msg)
		})
	}

	cli, lookErr := exec.LookPath("aws")
	need(t, lookErr == nil, "the AWS CLI")
	run := func(secret string) (string, string, error) {
		cmd := exec.CommandContext(ctxT(t), cli, "s3", "ls", "--endpoint-url", srv.URL, "--region", "us-east-1")
		cmd.Env = clientEnv(t, clientPlan{}, "AWS_ACCESS_KEY_ID="+keyA, "AWS_SECRET_ACCESS_KEY="+secret)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	if stdout, stderr, err := run(secretA); err != nil || !strings.Contains(stdout, "bucket-a") {
		t.Fatalf("aws s3 ls: %v\n%s\n%s", err, stdout, stderr)
	}
	if _, stderr, err := run("wrong"); err == nil || !strings.Contains(stderr, "SignatureDoesNotMatch") {
		t.Fatalf("aws s3 ls with the wrong secret: %v\n%s", err, stderr)
	}
}

package s3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/destination"
	"github.com/sluicehq/sluice/internal/destination/destinationtest"
	"github.com/sluicehq/sluice/internal/destination/s3"
	"github.com/sluicehq/sluice/internal/destination/s3/s3test"
)

func TestContractOnVersityGW(t *testing.T) {
	gw := s3test.Start(t)
	gw.CreateBucket("contract")
	c, err := s3.New(context.Background(), s3.Config{Endpoint: gw.URL, PathStyle: true,
		AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	read := func(ctx context.Context, bucket, key string) ([]byte, error) {
		out, err := gw.Client().GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		defer out.Body.Close()
		return io.ReadAll(out.Body)
	}
	destinationtest.ObjectStore(t, c, read, "000000000000", "contract")

	// A missing bucket is an error with S3's code, for the runner's logs.
	err = c.PutObject(context.Background(), destination.Object{Bucket: "missing", Key: "k", Body: []byte("x")})
	if code := destination.ErrorCode(err); code != "NoSuchBucket" {
		t.Fatalf("missing bucket: code %q, err %v", code, err)
	}
}

func TestCredentialsFromTheEnvironment(t *testing.T) {
	gw := s3test.Start(t)
	gw.CreateBucket("env")
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
	c, err := s3.New(context.Background(), s3.Config{Endpoint: gw.URL, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutObject(context.Background(), destination.Object{Bucket: "env", Key: "k", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	c, _ = s3.New(context.Background(), s3.Config{Endpoint: gw.URL, PathStyle: true})
	err = c.PutObject(context.Background(), destination.Object{Bucket: "env", Key: "k", Body: []byte("x")})
	if err == nil {
		t.Fatal("wrong secret accepted")
	}
}

// TestSSEKMSHeaders checks what goes on the wire, through a recording
// proxy in front of versitygw (which does not implement SSE-KMS itself).
func TestSSEKMSHeaders(t *testing.T) {
	var mu sync.Mutex
	var seen []http.Header
	upstream, _ := url.Parse("http://127.0.0.1:1")
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(upstream) },
		Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			seen = append(seen, r.Header.Clone())
			mu.Unlock()
			return &http.Response{StatusCode: 200, Header: http.Header{"Etag": {`"x"`}}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		}),
	})
	defer proxy.Close()
	c, err := s3.New(context.Background(), s3.Config{Endpoint: proxy.URL, PathStyle: true, AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	const keyARN = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if err := c.PutObject(context.Background(), destination.Object{Bucket: "b", Key: "k", Body: []byte("x"), KMSKeyARN: keyARN}); err != nil {
		t.Fatal(err)
	}
	if err := c.PutObject(context.Background(), destination.Object{Bucket: "b", Key: "k2", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("%d requests", len(seen))
	}
	if seen[0].Get("X-Amz-Server-Side-Encryption") != "aws:kms" || seen[0].Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != keyARN {
		t.Fatalf("SSE-KMS headers missing: %v", seen[0])
	}
	if seen[1].Get("X-Amz-Server-Side-Encryption") != "" || seen[1].Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != "" {
		t.Fatalf("NoEncryption sent SSE headers: %v", seen[1])
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRefusesHalfCredentials(t *testing.T) {
	_, err := s3.New(context.Background(), s3.Config{Endpoint: "http://127.0.0.1:1", AccessKey: "a"})
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

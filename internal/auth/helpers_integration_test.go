package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
)

// Fixtures shared by the integration tests of this package: a Sluice with two configured
// accounts, the credentials to reach it, and ways to make a client's request go wrong after
// it was signed (the tampering a man in the middle would do).

const (
	keyA     = "AKIAACCOUNTA0000001"
	secretA  = "secretA/wJalrXUtnFEMI/K7MDENG+bPxRfiCY"
	accountA = "111111111111"
	keyB     = "AKIAACCOUNTB0000002"
	secretB  = "secretB/je7MtGbClwBF/2Zp9Utk+h3yCo8nvb"
	accountB = "222222222222"

	roleARN   = "arn:aws:iam::111111111111:role/fh"
	bucketARN = "arn:aws:s3:::analytics"
	waitFor   = 30 * time.Second
)

// withAccounts configures the two accounts' keys and limits signing to two regions, so that a
// third region is a wrong one.
func withAccounts(c *config.Config) {
	if err := c.Credentials.Set(keyA + ":" + secretA + ":" + accountA + "," + keyB + ":" + secretB + ":" + accountB); err != nil {
		panic(err)
	}
	c.Regions = []string{"us-east-1", "eu-west-1"}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// awsConfig is the server's SDK configuration with the given key and region.
func awsConfig(srv *apptest.Server, key, secret, region string) aws.Config {
	cfg := srv.AWSConfig(region)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, "")
	return cfg
}

func firehoseClient(srv *apptest.Server, key, secret, region string, opts ...func(*fh.Options)) *fh.Client {
	return fh.NewFromConfig(awsConfig(srv, key, secret, region), opts...)
}

// tamper replaces the request by f's version of it after the SDK signed it.
func tamper(f func(*smithyhttp.Request) *smithyhttp.Request) func(*fh.Options) {
	return func(o *fh.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("tamper",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok {
						in.Request = f(req)
					}
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		})
	}
}

// tamperBody changes one character of the body, keeping its length (so Content-Length, which
// some clients sign, stays right and only the payload hash can tell).
func tamperBody(req *smithyhttp.Request) *smithyhttp.Request {
	_ = req.RewindStream() // the signer read it to hash it
	raw, _ := io.ReadAll(req.GetStream())
	out, err := req.SetStream(bytes.NewReader(alterLastAlnum(raw)))
	if err != nil {
		panic(err)
	}
	return out
}

// setHeader returns a tampering that sets a header.
func setHeader(name, value string) func(*smithyhttp.Request) *smithyhttp.Request {
	return func(r *smithyhttp.Request) *smithyhttp.Request {
		r.Header.Set(name, value)
		return r
	}
}

// alterLastAlnum changes the last letter or digit of b to another one of the same kind.
func alterLastAlnum(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i := len(out) - 1; i >= 0; i-- {
		switch c := out[i]; {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
			out[i]++
			return out
		case c == '9':
			out[i] = '0'
			return out
		case c == 'z' || c == 'Z':
			out[i]--
			return out
		}
	}
	return out
}

// tamperHeader changes a header every client signs. The server accepts either JSON content
// type, so only the signature can object.
func tamperHeader(h http.Header) {
	h.Set("Content-Type", tamperedContentType)
}

const tamperedContentType = "application/x-amz-json-1.0"

// skewedSigner signs as a client whose clock is off by skew.
type skewedSigner struct {
	v4   *v4.Signer
	skew time.Duration
}

func (s skewedSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	signingTime time.Time, optFns ...func(*v4.SignerOptions)) error {
	return s.v4.SignHTTP(ctx, creds, r, payloadHash, service, region, signingTime.Add(s.skew), optFns...)
}

func withClockSkew(skew time.Duration) func(*fh.Options) {
	return func(o *fh.Options) { o.HTTPSignerV4 = skewedSigner{v4: v4.NewSigner(), skew: skew} }
}

// anonymous makes the SDK send the request unsigned.
func anonymous(o *fh.Options) { o.Credentials = aws.AnonymousCredentials{} }

// wantCode asserts err is the AWS error code (and, when given, a message containing msgPart).
func wantCode(t *testing.T, what string, err error, code, msgPart string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("%s: error = %v, want %s", what, err, code)
	}
	if api.ErrorCode() != code || !strings.Contains(api.ErrorMessage(), msgPart) {
		t.Fatalf("%s: error = %s %q, want %s containing %q", what, api.ErrorCode(), api.ErrorMessage(), code, msgPart)
	}
}

// createStream creates a DirectPut stream and waits until it is ACTIVE.
func createStream(t *testing.T, c *fh.Client, name string) string {
	t.Helper()
	out, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN),
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	apptest.Eventually(t, waitFor, name+" ACTIVE", func() bool {
		d, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		return err == nil && d.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive
	})
	return aws.ToString(out.DeliveryStreamARN)
}

// tamperProxy is a reverse proxy in front of the server that alters every request in flight
// after the client signed it: the way to tamper with clients that run in another process.
func tamperProxy(t *testing.T, target string, alter func(r *http.Request, body []byte) []byte) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	// The proxy keeps the Host the client addressed and signed (the proxy's own), so the only
	// change the server sees is the one under test.
	rp := httputil.NewSingleHostReverseProxy(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body = alter(r, body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// bodyTamperer and headerTamperer are the two proxies' alterations.
func bodyTamperer(_ *http.Request, body []byte) []byte { return alterLastAlnum(body) }

func headerTamperer(r *http.Request, body []byte) []byte {
	tamperHeader(r.Header)
	return body
}

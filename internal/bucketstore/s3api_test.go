package bucketstore

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func newAPI(t *testing.T) (*Store, *s3.Client) {
	t.Helper()
	s := newStore(t)
	h := NewHandler(HandlerConfig{Region: "us-east-1"}, s, func(r *http.Request) (string, error) {
		if strings.Contains(r.Header.Get("Authorization"), "Credential=DENIED/") {
			return "", ErrAccessDenied
		}
		return acct, nil
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return s, s3Client(srv.URL, "AKID")
}

func s3Client(url, akid string) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestS3APIWithSDK(t *testing.T) {
	ctx := context.Background()
	s, c := newAPI(t)

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("analytics")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("analytics")}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("create twice: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("analytics")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")}); err == nil {
		t.Fatal("head of a missing bucket succeeded")
	}
	keys := []string{"2024/01/31/10/a", "2024/01/31/11/b", "2024/02/01/00/c", "logs+x y%z/é", "top"}
	for _, k := range keys {
		put(t, s, "analytics", k, "body of "+k)
	}

	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "analytics" {
		t.Fatalf("ListBuckets: %+v %v", lb, err)
	}

	// Paginate one key per page over everything.
	var got []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("analytics"), MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
		}
	}
	want := append([]string(nil), keys...)
	sort.Strings(want)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("listed %q, want %q", got, want)
	}

	// Delimiter and prefix, with URL encoding as the CLI asks for.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("analytics"), Prefix: aws.String("2024/"),
		Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, cp := range out.CommonPrefixes {
		prefixes = append(prefixes, aws.ToString(cp.Prefix))
	}
	if strings.Join(prefixes, ",") != "2024%2F01%2F,2024%2F02%2F" || len(out.Contents) != 0 || aws.ToInt32(out.KeyCount) != 2 {
		t.Fatalf("prefixes %v contents %d", prefixes, len(out.Contents))
	}

	// GetObject, whole and by range, and HeadObject.
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("analytics"), Key: aws.String("logs+x y%z/é")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(body) != "body of logs+x y%z/é" {
		t.Fatalf("body %q", body)
	}
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("analytics"), Key: aws.String("top"), Range: aws.String("bytes=2-5")})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rng.Body)
	rng.Body.Close()
	if string(part) != "dy o" || aws.ToString(rng.ContentRange) != "bytes 2-5/11" {
		t.Fatalf("range: %q %q", part, aws.ToString(rng.ContentRange))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("analytics"), Key: aws.String("top")})
	if err != nil || aws.ToInt64(head.ContentLength) != 11 || aws.ToString(head.ETag) == "" {
		t.Fatalf("head: %+v %v", head, err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("analytics"), Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nope"), Key: aws.String("k")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}

	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("analytics"), Key: aws.String("top")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("analytics"), Key: aws.String("top")}); err == nil {
		t.Fatal("deleted object still there")
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("analytics"), Key: aws.String("w"), Body: strings.NewReader("x")}); apiCode(err) != "NotImplemented" {
		t.Fatalf("PutObject: %v", err)
	}
	if _, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("analytics")}); apiCode(err) != "NotImplemented" {
		t.Fatalf("GetBucketAcl: %v", err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("analytics")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("location: %+v %v", loc, err)
	}
}

func TestS3APIRefusesUnknownCaller(t *testing.T) {
	s := newStore(t)
	h := NewHandler(HandlerConfig{}, s, func(r *http.Request) (string, error) { return "", ErrAccessDenied },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, err := s3Client(srv.URL, "AKID").ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("got %v", err)
	}
}

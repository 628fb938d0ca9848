package firehoseapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
)

// Shared fixtures of the control-plane integration tests. Every test runs
// the whole server (apptest) and talks to it through the real
// aws-sdk-go-v2 client, or through raw HTTP where the SDK would hide what
// goes on the wire.

const (
	account   = "000000000000" // config.Defaults().AccountID
	roleARN   = "arn:aws:iam::000000000000:role/fh"
	bucketARN = "arn:aws:s3:::analytics"
	destID    = "destinationId-000000000001"
	waitFor   = 30 * time.Second
)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// withCreateDelay keeps new streams CREATING for d.
func withCreateDelay(d time.Duration) apptest.Option {
	return func(c *config.Config) { c.CreateDelay = d }
}

// withDeleteDelay keeps deleted streams DELETING for d.
func withDeleteDelay(d time.Duration) apptest.Option {
	return func(c *config.Config) { c.DeleteDelay = d }
}

func extendedS3() *types.ExtendedS3DestinationConfiguration {
	return &types.ExtendedS3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}
}

// createS3 creates a DirectPut stream with a minimal ExtendedS3
// destination; mutate adjusts the input first.
func createS3(t *testing.T, c *fh.Client, name string, mutate ...func(*fh.CreateDeliveryStreamInput)) string {
	t.Helper()
	in := &fh.CreateDeliveryStreamInput{
		DeliveryStreamName:                 aws.String(name),
		ExtendedS3DestinationConfiguration: extendedS3(),
	}
	for _, m := range mutate {
		m(in)
	}
	out, err := c.CreateDeliveryStream(ctxT(t), in)
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	return aws.ToString(out.DeliveryStreamARN)
}

func describe(t *testing.T, c *fh.Client, name string) *types.DeliveryStreamDescription {
	t.Helper()
	out, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeDeliveryStream %s: %v", name, err)
	}
	return out.DeliveryStreamDescription
}

// waitActive polls until the stream is ACTIVE and returns its description.
func waitActive(t *testing.T, c *fh.Client, name string) *types.DeliveryStreamDescription {
	t.Helper()
	var d *types.DeliveryStreamDescription
	apptest.Eventually(t, waitFor, name+" ACTIVE", func() bool {
		d = describe(t, c, name)
		return d.DeliveryStreamStatus == types.DeliveryStreamStatusActive
	})
	return d
}

// waitGone polls until Describe answers ResourceNotFoundException.
func waitGone(t *testing.T, c *fh.Client, name string) {
	t.Helper()
	apptest.Eventually(t, waitFor, name+" removed", func() bool {
		_, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		return errors.As(err, &nf)
	})
}

// wantError asserts that err is the SDK's typed error E with exactly the
// given message.
func wantError[E any, PE interface {
	*E
	smithy.APIError
}](t *testing.T, err error, message string) {
	t.Helper()
	var target PE
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	if got := target.ErrorMessage(); got != message {
		t.Fatalf("%s message:\n got: %q\nwant: %q", target.ErrorCode(), got, message)
	}
}

// wantAPIError asserts an error the model does not declare (and the SDK
// therefore reports as a generic API error) by code and exact message.
func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v (%T), want API error %s", err, err, code)
	}
	if apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Fatalf("error:\n got: %s %q\nwant: %s %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, message)
	}
}

// rawResponse is one answer of the server as it was on the wire.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value, keeping numbers as
// json.Number so tests can tell a number from a string.
func (r rawResponse) JSON(t *testing.T) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("response body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// rawCall posts body to the server with the given X-Amz-Target, unsigned
// (development mode takes the region from the credential scope when there
// is one, and the default region otherwise).
func rawCall(t *testing.T, url, target string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// firehoseCall is rawCall for a Firehose operation.
func firehoseCall(t *testing.T, url, op, body string) rawResponse {
	t.Helper()
	return rawCall(t, url, "Firehose_20150804."+op, []byte(body))
}

// names returns n stream names prefix00, prefix01, ...
func names(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

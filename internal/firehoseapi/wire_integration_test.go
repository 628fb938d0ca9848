package firehoseapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// The AWS JSON 1.1 envelope as raw HTTP sees it: what SDKs rely on but do
// not let a test observe.

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkEnvelope asserts what every response carries: a request id, the
// JSON 1.1 content type, a JSON object body, and for errors a __type equal
// to the x-amzn-ErrorType header. It returns the decoded body.
func checkEnvelope(t *testing.T, r rawResponse) map[string]any {
	t.Helper()
	if id := r.Header.Get("x-amzn-RequestId"); !requestIDPattern.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want a UUID", id)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := r.JSON(t)
	if r.Status == http.StatusOK {
		if _, ok := body["__type"]; ok || r.Header.Get("x-amzn-ErrorType") != "" {
			t.Errorf("success carries an error type: %s", r.Body)
		}
		return body
	}
	typ, _ := body["__type"].(string)
	if typ == "" {
		t.Errorf("error without __type: %d %s", r.Status, r.Body)
	}
	if h := r.Header.Get("x-amzn-ErrorType"); h != typ {
		t.Errorf("x-amzn-ErrorType = %q, __type = %q: they must agree", h, typ)
	}
	return body
}

// wantWireError asserts status, __type and (when message is not "-") the
// exact message.
func wantWireError(t *testing.T, r rawResponse, status int, code, message string) {
	t.Helper()
	body := checkEnvelope(t, r)
	if r.Status != status || body["__type"] != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
	if message == "-" {
		return
	}
	got, has := body["message"].(string)
	if message == "" && has {
		t.Fatalf("message = %q, want none", got)
	}
	if got != message {
		t.Fatalf("message:\n got: %q\nwant: %q", got, message)
	}
}

func TestWireUnknownOperation(t *testing.T) {
	srv := apptest.Start(t)
	for _, target := range []string{
		"Firehose_20150804.NoSuchOperation",
		"Firehose_20150804.",
		"Firehose_20150804",
		"Kinesis_20131202.ListStreams",
		"firehose_20150804.ListDeliveryStreams",
		"",
	} {
		t.Run(target, func(t *testing.T) {
			r := rawCall(t, srv.URL, target, []byte("{}"))
			wantWireError(t, r, http.StatusBadRequest, "UnknownOperationException", "")
		})
	}
}

func TestWireSerializationErrors(t *testing.T) {
	srv := apptest.Start(t)
	cases := []struct {
		name, op, body, message string
	}{
		{"truncated", "ListDeliveryStreams", `{"Limit":`, "-"},
		{"not JSON", "DescribeDeliveryStream", `DeliveryStreamName=x`, "-"},
		{"array instead of object", "CreateDeliveryStream", `[]`, "-"},
		{"trailing data", "ListDeliveryStreams", `{} {}`, "-"},
		{"string for integer", "ListDeliveryStreams", `{"Limit":"ten"}`, "Unexpected value type for field Limit"},
		{"fraction for integer", "ListDeliveryStreams", `{"Limit":1.5}`, "Unexpected value type for field Limit"},
		{"number for string", "DescribeDeliveryStream", `{"DeliveryStreamName":5}`, "Unexpected value type for field DeliveryStreamName"},
		{"object for list", "TagDeliveryStream", `{"DeliveryStreamName":"x","Tags":{"Key":"k"}}`, "Unexpected value type for field Tags"},
		{"string for boolean", "DeleteDeliveryStream", `{"DeliveryStreamName":"x","AllowForceDelete":"yes"}`, "Unexpected value type for field AllowForceDelete"},
		{"nested wrong type", "CreateDeliveryStream", `{"DeliveryStreamName":"x","ExtendedS3DestinationConfiguration":{"RoleARN":1}}`, "Unexpected value type for field ExtendedS3DestinationConfiguration.RoleARN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := firehoseCall(t, srv.URL, tc.op, tc.body)
			wantWireError(t, r, http.StatusBadRequest, "SerializationException", tc.message)
		})
	}
}

func TestWireEmptyBodyAndShapes(t *testing.T) {
	srv := apptest.Start(t)

	// An empty body is "{}": ListDeliveryStreams needs no input.
	r := firehoseCall(t, srv.URL, "ListDeliveryStreams", "")
	checkEnvelope(t, r)
	if r.Status != http.StatusOK || string(r.Body) != `{"DeliveryStreamNames":[],"HasMoreDeliveryStreams":false}` {
		t.Fatalf("empty ListDeliveryStreams = %d %s", r.Status, r.Body)
	}
	// Where input is required, an empty body fails validation.
	r = firehoseCall(t, srv.URL, "DescribeDeliveryStream", "")
	wantWireError(t, r, http.StatusBadRequest, "ValidationException",
		"1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null")

	// Unknown members are ignored, and the JSON content types SDKs and
	// hand-written clients use are all accepted.
	for _, ct := range []string{"application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"} {
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL+"/", strings.NewReader(`{"Limit":1,"SomeFutureMember":{"x":[1]}}`))
		req.Header.Set("X-Amz-Target", "Firehose_20150804.ListDeliveryStreams")
		req.Header.Set("Content-Type", ct)
		if r := do(t, req); r.Status != http.StatusOK {
			t.Errorf("Content-Type %s: %d %s", ct, r.Status, r.Body)
		}
	}

	r = firehoseCall(t, srv.URL, "CreateDeliveryStream", `{"DeliveryStreamName":"shapes","ExtendedS3DestinationConfiguration":{"RoleARN":"`+roleARN+`","BucketARN":"`+bucketARN+`"}}`)
	if body := checkEnvelope(t, r); r.Status != http.StatusOK || body["DeliveryStreamARN"] != "arn:aws:firehose:us-east-1:000000000000:deliverystream/shapes" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	waitActive(t, srv.Firehose(), "shapes")
	// Operations without output answer "{}".
	for _, call := range [][2]string{
		{"TagDeliveryStream", `{"DeliveryStreamName":"shapes","Tags":[{"Key":"k","Value":"v"}]}`},
		{"UntagDeliveryStream", `{"DeliveryStreamName":"shapes","TagKeys":["k"]}`},
		{"UpdateDestination", `{"DeliveryStreamName":"shapes","CurrentDeliveryStreamVersionId":"1","DestinationId":"` + destID + `","ExtendedS3DestinationUpdate":{"Prefix":"p/"}}`},
	} {
		if r := firehoseCall(t, srv.URL, call[0], call[1]); r.Status != http.StatusOK || string(r.Body) != "{}" {
			t.Errorf("%s = %d %s, want 200 {}", call[0], r.Status, r.Body)
		}
	}
	// Required lists are on the wire even when empty.
	if r := firehoseCall(t, srv.URL, "ListTagsForDeliveryStream", `{"DeliveryStreamName":"shapes"}`); string(r.Body) != `{"Tags":[],"HasMoreTags":false}` {
		t.Errorf("ListTagsForDeliveryStream without tags = %s", r.Body)
	}
	r = firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"shapes","ExclusiveStartDestinationId":"`+destID+`"}`)
	desc, _ := checkEnvelope(t, r)["DeliveryStreamDescription"].(map[string]any)
	if dests, ok := desc["Destinations"].([]any); !ok || len(dests) != 0 || desc["HasMoreDestinations"] != false {
		t.Errorf("Describe after the last destination: Destinations %v HasMoreDestinations %v", desc["Destinations"], desc["HasMoreDestinations"])
	}
	if r := firehoseCall(t, srv.URL, "DeleteDeliveryStream", `{"DeliveryStreamName":"shapes"}`); r.Status != http.StatusOK || string(r.Body) != "{}" {
		t.Errorf("DeleteDeliveryStream = %d %s", r.Status, r.Body)
	}
}

func TestWireRequestIDsAndErrorTypes(t *testing.T) {
	srv := apptest.Start(t)
	seen := map[string]bool{}
	calls := []struct{ op, body string }{
		{"ListDeliveryStreams", `{}`},
		{"DescribeDeliveryStream", `{"DeliveryStreamName":"missing"}`},
		{"DescribeDeliveryStream", `{"DeliveryStreamName":"bad name"}`},
		{"DeleteDeliveryStream", `{`},
		{"NoSuchOperation", `{}`},
		{"CreateDeliveryStream", `{"DeliveryStreamName":"x"}`},
		{"UpdateDestination", `{"DeliveryStreamName":"missing","CurrentDeliveryStreamVersionId":"1","DestinationId":"` + destID + `"}`},
	}
	for _, call := range calls {
		r := firehoseCall(t, srv.URL, call.op, call.body)
		checkEnvelope(t, r)
		id := r.Header.Get("x-amzn-RequestId")
		if seen[id] {
			t.Errorf("request id %s reused", id)
		}
		seen[id] = true
	}
	wantWireError(t, firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"missing"}`),
		http.StatusBadRequest, "ResourceNotFoundException", "Firehose missing under account 000000000000 not found.")
	wantWireError(t, firehoseCall(t, srv.URL, "CreateDeliveryStream", `{"DeliveryStreamName":"x"}`),
		http.StatusBadRequest, "InvalidArgumentException", "Exactly one destination configuration must be specified for a Firehose stream.")
}

// The caller's region is the one of its SigV4 credential scope.
func TestWireRegionFromCredentialScope(t *testing.T) {
	srv := apptest.Start(t)
	body := `{"DeliveryStreamName":"scoped","ExtendedS3DestinationConfiguration":{"RoleARN":"` + roleARN + `","BucketARN":"` + bucketARN + `"}}`
	req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "Firehose_20150804.CreateDeliveryStream")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(ctxT(t), creds, req, hex.EncodeToString(sum[:]), "firehose", "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	r := do(t, req)
	if got := checkEnvelope(t, r)["DeliveryStreamARN"]; got != "arn:aws:firehose:eu-west-1:000000000000:deliverystream/scoped" {
		t.Fatalf("ARN = %v (%d %s)", got, r.Status, r.Body)
	}
	// Unsigned requests use the default region, which does not have it.
	wantWireError(t, firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"scoped"}`),
		http.StatusBadRequest, "ResourceNotFoundException", "Firehose scoped under account 000000000000 not found.")
}

func TestWireTimestampsAreNumbers(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "timed")
	createS3(t, c, "kds-timed", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
		in.KinesisStreamSourceConfiguration = &types.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"), RoleARN: aws.String(roleARN),
		}
	})
	waitActive(t, c, "timed")
	mustUpdate(t, c, "timed", "1", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("p/")}))

	for _, tc := range []struct{ stream, path string }{
		{"timed", "CreateTimestamp"},
		{"timed", "LastUpdateTimestamp"},
		{"kds-timed", "CreateTimestamp"},
		{"kds-timed", "Source.KinesisStreamSourceDescription.DeliveryStartTimestamp"},
	} {
		r := firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"`+tc.stream+`"}`)
		var v any = checkEnvelope(t, r)["DeliveryStreamDescription"]
		for _, part := range strings.Split(tc.path, ".") {
			m, _ := v.(map[string]any)
			v = m[part]
		}
		n, ok := v.(json.Number)
		if !ok {
			t.Errorf("%s %s = %#v, want a JSON number", tc.stream, tc.path, v)
			continue
		}
		if f, err := n.Float64(); err != nil || f < 1e9 {
			t.Errorf("%s %s = %s, want epoch seconds", tc.stream, tc.path, n)
		}
	}
}

// Secrets of the configuration shapes that the description shapes lack
// are never sent back; members the description shapes have are.
func TestWireSecretsNotEchoed(t *testing.T) {
	srv := apptest.Start(t)
	const accessKey, password = "very-secret-access-key", "very-secret-password"
	s3 := `"S3Configuration":{"RoleARN":"` + roleARN + `","BucketARN":"` + bucketARN + `"}`
	creates := map[string]string{
		"hook": `{"DeliveryStreamName":"hook","HttpEndpointDestinationConfiguration":{
			"EndpointConfiguration":{"Url":"https://collector.example.com/in","Name":"collector","AccessKey":"` + accessKey + `"},` + s3 + `}}`,
		"warehouse": `{"DeliveryStreamName":"warehouse","RedshiftDestinationConfiguration":{"RoleARN":"` + roleARN + `",
			"ClusterJDBCURL":"jdbc:redshift://cluster.abc123.us-east-1.redshift.amazonaws.com:5439/dev",
			"CopyCommand":{"DataTableName":"events"},"Username":"loader","Password":"` + password + `",` + s3 + `}}`,
	}
	for name, body := range creates {
		if r := firehoseCall(t, srv.URL, "CreateDeliveryStream", body); r.Status != http.StatusOK {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
	}

	r := firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"hook"}`)
	desc := checkEnvelope(t, r)
	if bytes.Contains(r.Body, []byte(accessKey)) || bytes.Contains(r.Body, []byte("AccessKey")) {
		t.Fatalf("Describe echoes the access key: %s", r.Body)
	}
	dests := desc["DeliveryStreamDescription"].(map[string]any)["Destinations"].([]any)
	ep := dests[0].(map[string]any)["HttpEndpointDestinationDescription"].(map[string]any)["EndpointConfiguration"].(map[string]any)
	if len(ep) != 2 || ep["Url"] != "https://collector.example.com/in" || ep["Name"] != "collector" {
		t.Fatalf("EndpointConfiguration = %v, want exactly {Url, Name}", ep)
	}

	r = firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"warehouse"}`)
	desc = checkEnvelope(t, r)
	if bytes.Contains(r.Body, []byte(password)) || bytes.Contains(r.Body, []byte(`"Password"`)) {
		t.Fatalf("Describe echoes the Redshift password: %s", r.Body)
	}
	dests = desc["DeliveryStreamDescription"].(map[string]any)["Destinations"].([]any)
	rs := dests[0].(map[string]any)["RedshiftDestinationDescription"].(map[string]any)
	if rs["Username"] != "loader" || rs["S3DestinationDescription"] == nil {
		t.Fatalf("RedshiftDestinationDescription = %v, want Username and S3DestinationDescription", rs)
	}
}

func TestWireOversizedBody(t *testing.T) {
	srv := apptest.Start(t)
	big := func() []byte {
		pad := strings.Repeat("x", 6<<20)
		return []byte(`{"DeliveryStreamName":"big","Pad":"` + pad + `"}`)
	}
	t.Run("with content length", func(t *testing.T) {
		r := firehoseCall(t, srv.URL, "DescribeDeliveryStream", string(big()))
		wantWireError(t, r, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request body is larger than the limit of 6291456 bytes.")
	})
	t.Run("chunked", func(t *testing.T) {
		// A reader of unknown length makes the client send chunks, so the
		// server finds out only by reading.
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL+"/", io.MultiReader(bytes.NewReader(big())))
		req.Header.Set("X-Amz-Target", "Firehose_20150804.DescribeDeliveryStream")
		r := do(t, req)
		wantWireError(t, r, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request body is larger than the limit of 6291456 bytes.")
	})
	// The server is still up.
	if r := firehoseCall(t, srv.URL, "ListDeliveryStreams", "{}"); r.Status != http.StatusOK {
		t.Fatalf("after oversized bodies: %d %s", r.Status, r.Body)
	}
	if _, err := srv.Firehose().ListDeliveryStreams(ctxT(t), nil); err != nil {
		t.Fatalf("SDK after oversized bodies: %v", err)
	}
}

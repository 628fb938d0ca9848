package firehoseapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/firehoseapi"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/ingest"
	"github.com/sluicehq/sluice/internal/kv"
	"github.com/sluicehq/sluice/internal/metrics"
)

// FuzzControlPlaneRequest posts arbitrary bodies to every Firehose
// operation through the real handler stack (protocol layer, handlers,
// domain) on an in-memory catalog, without a network. Whatever the body,
// the server must not panic or fail internally (500), and it must answer a
// JSON object, with __type (and a matching x-amzn-ErrorType) on errors.
//
// The state carries over between inputs, so the fuzzer also reaches
// operations on streams that earlier inputs created, tagged and updated.
func FuzzControlPlaneRequest(f *testing.F) {
	handler := newHandlerStack(f)
	ops := fm.Operations
	if len(ops) != 12 {
		f.Fatalf("the model has %d operations, want 12", len(ops))
	}
	index := map[string]uint8{}
	for i, op := range ops {
		index[op.Name] = uint8(i)
	}
	for _, s := range fuzzSeeds {
		i, ok := index[s.op]
		if !ok {
			f.Fatalf("seed for unknown operation %s", s.op)
		}
		f.Add(i, []byte(s.body))
	}

	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := ops[int(op)%len(ops)].Name
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", fm.TargetPrefix+"."+name)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)

		res := rec.Result()
		out := rec.Body.Bytes()
		if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s %q: status %d %s", name, body, res.StatusCode, out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil || m == nil {
			t.Fatalf("%s %q: body is not a JSON object (%v): %q", name, body, err, out)
		}
		if res.Header.Get("x-amzn-RequestId") == "" {
			t.Fatalf("%s: no x-amzn-RequestId", name)
		}
		typ, _ := m["__type"].(string)
		if res.StatusCode == http.StatusOK {
			if typ != "" {
				t.Fatalf("%s %q: 200 with __type %q", name, body, typ)
			}
			return
		}
		if typ == "" {
			t.Fatalf("%s %q: error %d without __type: %s", name, body, res.StatusCode, out)
		}
		if h := res.Header.Get("x-amzn-ErrorType"); h != typ {
			t.Fatalf("%s: x-amzn-ErrorType %q disagrees with __type %q", name, h, typ)
		}
	})
}

// newHandlerStack wires the handlers exactly as the app does, on memory
// storage, with the lifecycle controller running so streams turn ACTIVE.
func newHandlerStack(tb testing.TB) http.Handler {
	log := slog.New(slog.DiscardHandler)
	streams := firehose.NewService(firehose.Config{MaxStreams: 200}, log, kv.NewMemory(), noRecords{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		streams.Run(ctx)
	}()
	tb.Cleanup(func() { cancel(); <-done })

	in := ingest.New(ingest.Config{}, streams, &memAppender{}, ingest.PlainEncoder{}, metrics.New())
	return awsproto.NewServer(awsproto.Config{MaxBodyBytes: 6 << 20}, log,
		awsproto.ScopeAuthenticator{DefaultAccount: "000000000000", DefaultRegion: "us-east-1"},
		firehoseapi.NewService(streams, in))
}

// noRecords is a record log that never holds anything.
type noRecords struct{}

func (noRecords) PurgeRecords(context.Context, string) error                  { return nil }
func (noRecords) LastSequence(context.Context, string) (uint64, error)        { return 0, nil }
func (noRecords) FirstSequence(context.Context, string) (uint64, bool, error) { return 0, false, nil }

// memAppender accepts every record group and forgets it.
type memAppender struct{ seq atomic.Uint64 }

func (a *memAppender) AppendRecords(context.Context, string, []byte) (uint64, error) {
	return a.seq.Add(1), nil
}

const fuzzS3 = `"ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::analytics"}`

// fuzzSeeds are valid requests of every operation, plus a few near misses,
// so the fuzzer starts from bodies that get past decoding and validation.
var fuzzSeeds = []struct{ op, body string }{
	{"CreateDeliveryStream", `{"DeliveryStreamName":"fz",` + fuzzS3 + `}`},
	{"CreateDeliveryStream", `{"DeliveryStreamName":"fz2","DeliveryStreamType":"DirectPut","DirectPutSourceConfiguration":{"ThroughputHintInMBs":5},` +
		`"ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::b","Prefix":"d/!{timestamp:yyyy}/","ErrorOutputPrefix":"e/!{firehose:error-output-type}/",` +
		`"BufferingHints":{"SizeInMBs":64,"IntervalInSeconds":60},"CompressionFormat":"GZIP","S3BackupMode":"Enabled","S3BackupConfiguration":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::bk"},` +
		`"DynamicPartitioningConfiguration":{"Enabled":false},"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"AppendDelimiterToRecord"}]}},` +
		`"Tags":[{"Key":"a","Value":"b"}],"DeliveryStreamEncryptionConfigurationInput":{"KeyType":"AWS_OWNED_CMK"}}`},
	{"CreateDeliveryStream", `{"DeliveryStreamName":"kfz","DeliveryStreamType":"KinesisStreamAsSource","KinesisStreamSourceConfiguration":{"KinesisStreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","RoleARN":"arn:aws:iam::000000000000:role/fh"},` + fuzzS3 + `}`},
	{"CreateDeliveryStream", `{"DeliveryStreamName":"hfz","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"https://h.example.com","AccessKey":"k"},"S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::b"}}}`},
	{"CreateDeliveryStream", `{"DeliveryStreamName":"sfz","SplunkDestinationConfiguration":{"HECEndpoint":"https://s","HECEndpointType":"Raw","S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::b"}}}`},
	{"CreateDeliveryStream", `{"DeliveryStreamName":"x"}`},
	{"DescribeDeliveryStream", `{"DeliveryStreamName":"fz"}`},
	{"DescribeDeliveryStream", `{"DeliveryStreamName":"fz","Limit":1,"ExclusiveStartDestinationId":"destinationId-000000000001"}`},
	{"ListDeliveryStreams", ``},
	{"ListDeliveryStreams", `{"Limit":2,"DeliveryStreamType":"DirectPut","ExclusiveStartDeliveryStreamName":"a"}`},
	{"DeleteDeliveryStream", `{"DeliveryStreamName":"fz","AllowForceDelete":true}`},
	{"TagDeliveryStream", `{"DeliveryStreamName":"fz","Tags":[{"Key":"k","Value":"v"},{"Key":"k2"}]}`},
	{"UntagDeliveryStream", `{"DeliveryStreamName":"fz","TagKeys":["k","nope"]}`},
	{"ListTagsForDeliveryStream", `{"DeliveryStreamName":"fz","ExclusiveStartTagKey":"k","Limit":1}`},
	{"UpdateDestination", `{"DeliveryStreamName":"fz","CurrentDeliveryStreamVersionId":"1","DestinationId":"destinationId-000000000001",` +
		`"ExtendedS3DestinationUpdate":{"Prefix":"p/","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0},"EncryptionConfiguration":{"KMSEncryptionConfig":{"AWSKMSKeyARN":"arn:aws:kms:us-east-1:000000000000:key/k"}}}}`},
	{"UpdateDestination", `{"DeliveryStreamName":"fz","CurrentDeliveryStreamVersionId":"1","DestinationId":"destinationId-000000000001",` +
		`"HttpEndpointDestinationUpdate":{"EndpointConfiguration":{"Url":"https://h.example.com"},"S3Update":{"RoleARN":"arn:aws:iam::000000000000:role/fh","BucketARN":"arn:aws:s3:::b"}}}`},
	{"UpdateDestination", `{"DeliveryStreamName":"sfz","CurrentDeliveryStreamVersionId":"1","DestinationId":"destinationId-000000000001","SplunkDestinationUpdate":{"S3BackupMode":"AllEvents","S3Update":{"Prefix":"x"}}}`},
	{"UpdateDestination", `{"DeliveryStreamName":"fz","CurrentDeliveryStreamVersionId":"2","DestinationId":"destinationId-000000000001","S3DestinationUpdate":{"CompressionFormat":"ZIP"}}`},
	{"PutRecord", `{"DeliveryStreamName":"fz","Record":{"Data":"aGVsbG8K"}}`},
	{"PutRecordBatch", `{"DeliveryStreamName":"fz","Records":[{"Data":"aGVsbG8K"},{"Data":""}]}`},
	{"StartDeliveryStreamEncryption", `{"DeliveryStreamName":"fz","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"CUSTOMER_MANAGED_CMK","KeyARN":"arn:aws:kms:us-east-1:000000000000:key/k"}}`},
	{"StopDeliveryStreamEncryption", `{"DeliveryStreamName":"fz"}`},
	{"ListDeliveryStreams", `{"Limit":"x"}`},
	{"TagDeliveryStream", `[`},
}

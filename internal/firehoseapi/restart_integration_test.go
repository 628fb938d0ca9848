package firehoseapi_test

import (
	"bytes"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// The catalog lives in JetStream: a restarted server describes every
// stream byte for byte as before, and goes on where the old one stopped.
func TestRestartKeepsControlPlaneState(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()

	createS3(t, c, "plain")
	createS3(t, c, "tagged", func(in *fh.CreateDeliveryStreamInput) {
		in.Tags = []types.Tag{tag("team", "data"), tag("env", "prod")}
	})
	createS3(t, c, "updated")
	createS3(t, c, "from-kds", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
		in.KinesisStreamSourceConfiguration = &types.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"), RoleARN: aws.String(roleARN),
		}
	})
	createS3(t, c, "http", func(in *fh.CreateDeliveryStreamInput) {
		in.ExtendedS3DestinationConfiguration = nil
		in.HttpEndpointDestinationConfiguration = &types.HttpEndpointDestinationConfiguration{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://collector.example.com"), Name: aws.String("c"), AccessKey: aws.String("key")},
			S3Configuration:       &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
		}
	})
	createS3(t, srv.FirehoseIn("us-west-2"), "regional")
	streams := []string{"from-kds", "http", "plain", "tagged", "updated"}
	for _, n := range streams {
		waitActive(t, c, n)
	}
	waitActive(t, srv.FirehoseIn("us-west-2"), "regional")

	if _, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: aws.String("tagged"), Tags: []types.Tag{tag("env", "staging"), tag("owner", "ops")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagDeliveryStream(ctxT(t), &fh.UntagDeliveryStreamInput{DeliveryStreamName: aws.String("tagged"), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, c, "updated", "1", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("v2/"), CompressionFormat: types.CompressionFormatGzip}))

	before := snapshot(t, srv.URL, streams)
	srv = srv.Restart()
	c = srv.Firehose()
	after := snapshot(t, srv.URL, streams)

	for _, k := range slices.Sorted(maps.Keys(before)) {
		if !bytes.Equal(before[k], after[k]) {
			t.Errorf("%s changed across the restart:\nbefore: %s\n after: %s", k, before[k], after[k])
		}
	}

	// The SDK view agrees, and the state still behaves: the stale version
	// is still stale, the current one still updates.
	if got := allTags(t, c, "tagged"); !slices.Equal(got, []string{"env=staging", "owner=ops"}) {
		t.Errorf("tags after restart = %v", got)
	}
	d := describe(t, c, "updated")
	if aws.ToString(d.VersionId) != "2" || d.LastUpdateTimestamp == nil || aws.ToString(d.Destinations[0].ExtendedS3DestinationDescription.Prefix) != "v2/" {
		t.Errorf("updated stream after restart: VersionId %q LastUpdateTimestamp %v", aws.ToString(d.VersionId), d.LastUpdateTimestamp)
	}
	wantError[types.ConcurrentModificationException](t, update(t, c, "updated", "1", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")})), staleVersion)
	mustUpdate(t, c, "updated", "2", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("v3/")}))
	if d := describe(t, srv.FirehoseIn("us-west-2"), "regional"); d.DeliveryStreamStatus != types.DeliveryStreamStatusActive {
		t.Errorf("us-west-2 stream after restart: %q", d.DeliveryStreamStatus)
	}
	_, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("regional")})
	wantError[types.ResourceNotFoundException](t, err, "Firehose regional under account 000000000000 not found.")
}

// A transition scheduled before a restart completes after it: the due
// time is in the catalog, not in the old process.
func TestRestartFinishesPendingTransitions(t *testing.T) {
	srv := apptest.Start(t, withCreateDelay(500*time.Millisecond), withDeleteDelay(500*time.Millisecond))
	c := srv.Firehose()
	createS3(t, c, "leaving")
	waitActive(t, c, "leaving")
	if _, err := c.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("leaving")}); err != nil {
		t.Fatal(err)
	}
	createS3(t, c, "arriving")
	srv = srv.Restart()
	c = srv.Firehose()
	waitActive(t, c, "arriving")
	waitGone(t, c, "leaving")
}

// snapshot reads, over raw HTTP, what a client sees of each stream and of
// the stream list, so a comparison covers every byte on the wire.
func snapshot(t *testing.T, url string, streams []string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range streams {
		for _, op := range []string{"DescribeDeliveryStream", "ListTagsForDeliveryStream"} {
			r := firehoseCall(t, url, op, `{"DeliveryStreamName":"`+n+`"}`)
			if r.Status != 200 {
				t.Fatalf("%s %s: %d %s", op, n, r.Status, r.Body)
			}
			out[op+" "+n] = r.Body
		}
	}
	r := firehoseCall(t, url, "ListDeliveryStreams", `{"Limit":100}`)
	if r.Status != 200 {
		t.Fatalf("ListDeliveryStreams: %d %s", r.Status, r.Body)
	}
	out["ListDeliveryStreams"] = r.Body
	return out
}

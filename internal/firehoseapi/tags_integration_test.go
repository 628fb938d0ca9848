package firehoseapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// TagDeliveryStream, UntagDeliveryStream and ListTagsForDeliveryStream.

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func tagsOf(ts []types.Tag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = aws.ToString(t.Key) + "=" + aws.ToString(t.Value)
	}
	return out
}

func listTags(t *testing.T, c *fh.Client, in *fh.ListTagsForDeliveryStreamInput) ([]string, bool) {
	t.Helper()
	out, err := c.ListTagsForDeliveryStream(ctxT(t), in)
	if err != nil {
		t.Fatalf("ListTagsForDeliveryStream: %v", err)
	}
	if out.HasMoreTags == nil {
		t.Fatal("HasMoreTags missing")
	}
	return tagsOf(out.Tags), *out.HasMoreTags
}

func allTags(t *testing.T, c *fh.Client, name string) []string {
	t.Helper()
	tags, _ := listTags(t, c, &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	return tags
}

func TestTagUntagList(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "tagged", func(in *fh.CreateDeliveryStreamInput) {
		in.Tags = []types.Tag{tag("team", "data"), tag("env", "dev")}
	})
	waitActive(t, c, "tagged")
	name := aws.String("tagged")

	if got, want := allTags(t, c, "tagged"), []string{"team=data", "env=dev"}; !slices.Equal(got, want) {
		t.Fatalf("tags from create = %v, want %v", got, want)
	}

	// An existing key gets the new value; a new key is added.
	if _, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{
		DeliveryStreamName: name, Tags: []types.Tag{tag("env", "prod"), tag("cost", "")},
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := allTags(t, c, "tagged"), []string{"team=data", "env=prod", "cost="}; !slices.Equal(got, want) {
		t.Fatalf("after tag = %v, want %v", got, want)
	}

	// Unknown keys are ignored on untag.
	if _, err := c.UntagDeliveryStream(ctxT(t), &fh.UntagDeliveryStreamInput{
		DeliveryStreamName: name, TagKeys: []string{"team", "no-such-key"},
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := allTags(t, c, "tagged"), []string{"env=prod", "cost="}; !slices.Equal(got, want) {
		t.Fatalf("after untag = %v, want %v", got, want)
	}

	// Tags are not a destination update: VersionId stays, and no
	// LastUpdateTimestamp appears.
	d := describe(t, c, "tagged")
	if aws.ToString(d.VersionId) != "1" || d.LastUpdateTimestamp != nil {
		t.Fatalf("after tagging: VersionId %q, LastUpdateTimestamp %v", aws.ToString(d.VersionId), d.LastUpdateTimestamp)
	}
}

func TestTagLimit(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "full")
	waitActive(t, c, "full")
	name := aws.String("full")

	tagRange := func(from, to int) []types.Tag {
		var ts []types.Tag
		for i := from; i < to; i++ {
			ts = append(ts, tag(fmt.Sprintf("k%02d", i), "v"))
		}
		return ts
	}
	for _, batch := range [][]types.Tag{tagRange(0, 30), tagRange(30, 50)} {
		if _, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: name, Tags: batch}); err != nil {
			t.Fatalf("tagging up to 50: %v", err)
		}
	}
	// A 51st key is refused, and the request changes nothing.
	_, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{
		DeliveryStreamName: name, Tags: []types.Tag{tag("k00", "changed"), tag("k50", "v")},
	})
	wantError[types.LimitExceededException](t, err, "A Firehose stream can have at most 50 tags; this request would leave 51.")
	got := allTags(t, c, "full")
	if len(got) != 50 || got[0] != "k00=v" {
		t.Fatalf("after refused tag: %d tags, first %q", len(got), got[0])
	}
	// Replacing values at the limit is fine.
	if _, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: name, Tags: []types.Tag{tag("k00", "changed")}}); err != nil {
		t.Fatalf("replace at the limit: %v", err)
	}
	if got := allTags(t, c, "full"); got[0] != "k00=changed" {
		t.Fatalf("k00 = %q, want changed", got[0])
	}
	// Once a key is removed there is room again.
	if _, err := c.UntagDeliveryStream(ctxT(t), &fh.UntagDeliveryStreamInput{DeliveryStreamName: name, TagKeys: []string{"k49"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: name, Tags: []types.Tag{tag("k50", "v")}}); err != nil {
		t.Fatalf("tag after untag: %v", err)
	}
}

func TestListTagsPaging(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	var all []types.Tag
	var want []string
	for i := range 7 {
		all = append(all, tag(fmt.Sprintf("t%d", i), fmt.Sprintf("v%d", i)))
		want = append(want, fmt.Sprintf("t%d=v%d", i, i))
	}
	createS3(t, c, "paged", func(in *fh.CreateDeliveryStreamInput) { in.Tags = all })
	name := aws.String("paged")

	cases := []struct {
		name     string
		start    *string
		limit    *int32
		want     []string
		wantMore bool
	}{
		{"no limit returns all", nil, nil, want, false},
		{"first page", nil, aws.Int32(3), want[:3], true},
		{"middle page", aws.String("t2"), aws.Int32(3), want[3:6], true},
		{"last page", aws.String("t5"), aws.Int32(3), want[6:], false},
		{"limit equals the rest", aws.String("t3"), aws.Int32(3), want[4:], false},
		{"after the last key", aws.String("t6"), nil, []string{}, false},
		{"unknown start key starts from the beginning", aws.String("nope"), aws.Int32(2), want[:2], true},
		{"limit 50", nil, aws.Int32(50), want, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, more := listTags(t, c, &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: name, ExclusiveStartTagKey: tc.start, Limit: tc.limit})
			if !slices.Equal(got, tc.want) || more != tc.wantMore {
				t.Fatalf("got %v more=%v, want %v more=%v", got, more, tc.want, tc.wantMore)
			}
		})
	}
}

func TestTagErrors(t *testing.T) {
	srv := apptest.Start(t, withCreateDelay(time.Hour))
	c := srv.Firehose()
	createS3(t, c, "young")
	missing, young := aws.String("missing"), aws.String("young")
	const notFound = "Firehose missing under account 000000000000 not found."

	t.Run("not found", func(t *testing.T) {
		_, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: missing, Tags: []types.Tag{tag("a", "b")}})
		wantError[types.ResourceNotFoundException](t, err, notFound)
		_, err = c.UntagDeliveryStream(ctxT(t), &fh.UntagDeliveryStreamInput{DeliveryStreamName: missing, TagKeys: []string{"a"}})
		wantError[types.ResourceNotFoundException](t, err, notFound)
		_, err = c.ListTagsForDeliveryStream(ctxT(t), &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: missing})
		wantError[types.ResourceNotFoundException](t, err, notFound)
	})
	t.Run("creating", func(t *testing.T) {
		_, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: young, Tags: []types.Tag{tag("a", "b")}})
		wantError[types.ResourceInUseException](t, err, "Firehose young under account 000000000000 is in CREATING state.")
		_, err = c.UntagDeliveryStream(ctxT(t), &fh.UntagDeliveryStreamInput{DeliveryStreamName: young, TagKeys: []string{"a"}})
		wantError[types.ResourceInUseException](t, err, "Firehose young under account 000000000000 is in CREATING state.")
		// Listing works in every status.
		if got := allTags(t, c, "young"); len(got) != 0 {
			t.Fatalf("tags = %v", got)
		}
	})
	t.Run("duplicate keys", func(t *testing.T) {
		_, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: missing, Tags: []types.Tag{tag("a", "1"), tag("a", "2")}})
		wantError[types.InvalidArgumentException](t, err, "Duplicate tag key a in the request.")
	})
	t.Run("validation", func(t *testing.T) {
		_, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: young, Tags: []types.Tag{tag("aws:reserved", "x")}})
		wantAPIError(t, err, "ValidationException",
			`1 validation error detected: Value 'aws:reserved' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`)
		_, err = c.ListTagsForDeliveryStream(ctxT(t), &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: young, Limit: aws.Int32(51)})
		wantAPIError(t, err, "ValidationException",
			"1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
		var many []types.Tag
		for i := range 51 {
			many = append(many, tag(fmt.Sprintf("k%d", i), "v"))
		}
		_, err = c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: young, Tags: many})
		var msg string
		if err != nil {
			msg = err.Error()
		}
		if !strings.Contains(msg, "ValidationException") || !strings.Contains(msg, "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50") {
			t.Fatalf("51 tags in one call: %v", err)
		}
	})
}

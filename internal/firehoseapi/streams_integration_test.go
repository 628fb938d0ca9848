package firehoseapi_test

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
)

// CreateDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams and
// DeleteDeliveryStream through the real SDK client.

func TestCreateDescribeExtendedS3Defaults(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	before := time.Now().Add(-time.Second)

	arn := createS3(t, c, "orders")
	if want := "arn:aws:firehose:us-east-1:" + account + ":deliverystream/orders"; arn != want {
		t.Fatalf("DeliveryStreamARN = %q, want %q", arn, want)
	}
	d := waitActive(t, c, "orders")

	if aws.ToString(d.DeliveryStreamName) != "orders" || aws.ToString(d.DeliveryStreamARN) != arn {
		t.Errorf("name/ARN = %q/%q", aws.ToString(d.DeliveryStreamName), aws.ToString(d.DeliveryStreamARN))
	}
	if d.DeliveryStreamType != types.DeliveryStreamTypeDirectPut {
		t.Errorf("DeliveryStreamType = %q, want DirectPut (the default)", d.DeliveryStreamType)
	}
	if v := aws.ToString(d.VersionId); v != "1" {
		t.Errorf("VersionId = %q, want 1", v)
	}
	if d.CreateTimestamp == nil || d.CreateTimestamp.Before(before) || d.CreateTimestamp.After(time.Now().Add(time.Second)) {
		t.Errorf("CreateTimestamp = %v, want the time of the create call", d.CreateTimestamp)
	}
	if d.LastUpdateTimestamp != nil {
		t.Errorf("LastUpdateTimestamp = %v, want absent before the first update", d.LastUpdateTimestamp)
	}
	if d.HasMoreDestinations == nil || *d.HasMoreDestinations {
		t.Errorf("HasMoreDestinations = %v, want false", d.HasMoreDestinations)
	}
	if d.Source != nil {
		t.Errorf("Source = %+v, want absent for DirectPut without DirectPutSourceConfiguration", d.Source)
	}
	if e := d.DeliveryStreamEncryptionConfiguration; e == nil || e.Status != types.DeliveryStreamEncryptionStatusDisabled || e.KeyType != "" || e.KeyARN != nil {
		t.Errorf("DeliveryStreamEncryptionConfiguration = %+v, want {Status: DISABLED}", e)
	}
	if len(d.Destinations) != 1 {
		t.Fatalf("Destinations = %d, want 1", len(d.Destinations))
	}
	dest := d.Destinations[0]
	if aws.ToString(dest.DestinationId) != destID {
		t.Errorf("DestinationId = %q, want %q", aws.ToString(dest.DestinationId), destID)
	}
	x := dest.ExtendedS3DestinationDescription
	if x == nil {
		t.Fatal("ExtendedS3DestinationDescription missing")
	}
	if aws.ToString(x.RoleARN) != roleARN || aws.ToString(x.BucketARN) != bucketARN {
		t.Errorf("RoleARN/BucketARN = %q/%q", aws.ToString(x.RoleARN), aws.ToString(x.BucketARN))
	}
	checkS3Defaults(t, "ExtendedS3", x.BufferingHints, x.CompressionFormat, x.EncryptionConfiguration, x.CloudWatchLoggingOptions)
	if x.S3BackupMode != types.S3BackupModeDisabled {
		t.Errorf("S3BackupMode = %q, want Disabled", x.S3BackupMode)
	}
	if c := x.DataFormatConversionConfiguration; c == nil || c.Enabled == nil || *c.Enabled {
		t.Errorf("DataFormatConversionConfiguration = %+v, want {Enabled: false}", c)
	}
	// AWS mirrors an ExtendedS3 destination as a plain S3 description.
	s := dest.S3DestinationDescription
	if s == nil {
		t.Fatal("S3DestinationDescription missing: ExtendedS3 must be mirrored")
	}
	if aws.ToString(s.RoleARN) != roleARN || aws.ToString(s.BucketARN) != bucketARN {
		t.Errorf("mirrored RoleARN/BucketARN = %q/%q", aws.ToString(s.RoleARN), aws.ToString(s.BucketARN))
	}
	checkS3Defaults(t, "S3 mirror", s.BufferingHints, s.CompressionFormat, s.EncryptionConfiguration, s.CloudWatchLoggingOptions)
}

func checkS3Defaults(t *testing.T, what string, h *types.BufferingHints, cf types.CompressionFormat, enc *types.EncryptionConfiguration, cw *types.CloudWatchLoggingOptions) {
	t.Helper()
	if h == nil || aws.ToInt32(h.SizeInMBs) != 5 || aws.ToInt32(h.IntervalInSeconds) != 300 {
		t.Errorf("%s BufferingHints = %+v, want 5 MiB / 300 s", what, h)
	}
	if cf != types.CompressionFormatUncompressed {
		t.Errorf("%s CompressionFormat = %q, want UNCOMPRESSED", what, cf)
	}
	if enc == nil || enc.NoEncryptionConfig != types.NoEncryptionConfigNoEncryption || enc.KMSEncryptionConfig != nil {
		t.Errorf("%s EncryptionConfiguration = %+v, want NoEncryption", what, enc)
	}
	if cw == nil || cw.Enabled == nil || *cw.Enabled {
		t.Errorf("%s CloudWatchLoggingOptions = %+v, want Enabled=false", what, cw)
	}
}

// The status goes CREATING → ACTIVE and nothing else on the way.
func TestCreateStatusCreatingThenActive(t *testing.T) {
	t.Run("creating", func(t *testing.T) {
		srv := apptest.Start(t, withCreateDelay(time.Hour))
		c := srv.Firehose()
		createS3(t, c, "slow")
		d := describe(t, c, "slow")
		if d.DeliveryStreamStatus != types.DeliveryStreamStatusCreating {
			t.Fatalf("status = %q, want CREATING", d.DeliveryStreamStatus)
		}
		// Describe works in CREATING and already shows the configuration.
		if aws.ToString(d.VersionId) != "1" || len(d.Destinations) != 1 {
			t.Fatalf("CREATING description incomplete: %+v", d)
		}
	})
	t.Run("becomes active", func(t *testing.T) {
		srv := apptest.Start(t, withCreateDelay(300*time.Millisecond))
		c := srv.Firehose()
		createS3(t, c, "soon")
		var seen []types.DeliveryStreamStatus
		apptest.Eventually(t, waitFor, "ACTIVE", func() bool {
			st := describe(t, c, "soon").DeliveryStreamStatus
			if len(seen) == 0 || seen[len(seen)-1] != st {
				seen = append(seen, st)
			}
			return st == types.DeliveryStreamStatusActive
		})
		if !slices.Equal(seen, []types.DeliveryStreamStatus{"CREATING", "ACTIVE"}) && !slices.Equal(seen, []types.DeliveryStreamStatus{"ACTIVE"}) {
			t.Fatalf("statuses seen = %v, want CREATING then ACTIVE", seen)
		}
	})
}

func TestCreateSourcesAndEncryptionMember(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	const kdsARN = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"

	createS3(t, c, "from-kds", func(in *fh.CreateDeliveryStreamInput) {
		in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
		in.KinesisStreamSourceConfiguration = &types.KinesisStreamSourceConfiguration{KinesisStreamARN: aws.String(kdsARN), RoleARN: aws.String(roleARN)}
	})
	createS3(t, c, "hinted", func(in *fh.CreateDeliveryStreamInput) {
		in.DirectPutSourceConfiguration = &types.DirectPutSourceConfiguration{ThroughputHintInMBs: aws.Int32(7)}
	})

	kds := waitActive(t, c, "from-kds")
	if kds.DeliveryStreamType != types.DeliveryStreamTypeKinesisStreamAsSource {
		t.Errorf("type = %q", kds.DeliveryStreamType)
	}
	if kds.DeliveryStreamEncryptionConfiguration != nil {
		t.Errorf("DeliveryStreamEncryptionConfiguration = %+v, want absent for KinesisStreamAsSource", kds.DeliveryStreamEncryptionConfiguration)
	}
	if kds.Source == nil || kds.Source.KinesisStreamSourceDescription == nil {
		t.Fatalf("Source = %+v, want KinesisStreamSourceDescription", kds.Source)
	}
	ks := kds.Source.KinesisStreamSourceDescription
	if aws.ToString(ks.KinesisStreamARN) != kdsARN || aws.ToString(ks.RoleARN) != roleARN || ks.DeliveryStartTimestamp == nil {
		t.Errorf("KinesisStreamSourceDescription = %+v", ks)
	}

	hinted := waitActive(t, c, "hinted")
	if hinted.Source == nil || hinted.Source.DirectPutSourceDescription == nil || aws.ToInt32(hinted.Source.DirectPutSourceDescription.ThroughputHintInMBs) != 7 {
		t.Errorf("Source = %+v, want DirectPutSourceDescription{7}", hinted.Source)
	}
	if e := hinted.DeliveryStreamEncryptionConfiguration; e == nil || e.Status != types.DeliveryStreamEncryptionStatusDisabled {
		t.Errorf("DeliveryStreamEncryptionConfiguration = %+v, want {Status: DISABLED}", e)
	}
}

func TestCreateErrors(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) { c.MaxStreams = 2 })
	c := srv.Firehose()
	createS3(t, c, "one")

	_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("one"), ExtendedS3DestinationConfiguration: extendedS3(),
	})
	wantError[types.ResourceInUseException](t, err, "Firehose one under account 000000000000 already exists.")

	createS3(t, c, "two")
	_, err = c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("three"), ExtendedS3DestinationConfiguration: extendedS3(),
	})
	wantError[types.LimitExceededException](t, err, "You have already consumed your limit of 2 Firehose streams under account 000000000000.")
}

func TestDescribeDestinationPaging(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "paged")

	cases := []struct {
		name       string
		limit      *int32
		startAfter *string
		want       int
	}{
		{"no paging", nil, nil, 1},
		{"limit 1", aws.Int32(1), nil, 1},
		{"limit 10000", aws.Int32(10000), nil, 1},
		{"after the only destination", nil, aws.String(destID), 0},
		{"after the only destination with limit", aws.Int32(1), aws.String(destID), 0},
		{"after another id", nil, aws.String("destinationId-000000000000"), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{
				DeliveryStreamName: aws.String("paged"), Limit: tc.limit, ExclusiveStartDestinationId: tc.startAfter,
			})
			if err != nil {
				t.Fatal(err)
			}
			d := out.DeliveryStreamDescription
			if len(d.Destinations) != tc.want {
				t.Fatalf("Destinations = %d, want %d", len(d.Destinations), tc.want)
			}
			if d.HasMoreDestinations == nil || *d.HasMoreDestinations {
				t.Fatalf("HasMoreDestinations = %v, want false", d.HasMoreDestinations)
			}
		})
	}

	_, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("missing")})
	wantError[types.ResourceNotFoundException](t, err, "Firehose missing under account 000000000000 not found.")
}

func TestListDeliveryStreams(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()

	empty, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.DeliveryStreamNames) != 0 || empty.HasMoreDeliveryStreams == nil || *empty.HasMoreDeliveryStreams {
		t.Fatalf("empty account: %v more=%v", empty.DeliveryStreamNames, empty.HasMoreDeliveryStreams)
	}

	// 12 DirectPut streams, 3 Kinesis-sourced ones, and names that only a
	// byte-wise sort orders right ('B' < '_' < 'a').
	direct := append(names(12, "s"), "B", "_x", "a")
	kds := names(3, "k")
	for _, n := range direct {
		createS3(t, c, n)
	}
	for _, n := range kds {
		createS3(t, c, n, func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
			in.KinesisStreamSourceConfiguration = &types.KinesisStreamSourceConfiguration{
				KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + n), RoleARN: aws.String(roleARN),
			}
		})
	}
	all := append(append([]string{}, direct...), kds...)
	sort.Strings(all)

	cases := []struct {
		name     string
		in       fh.ListDeliveryStreamsInput
		want     []string
		wantMore bool
	}{
		{"default limit is 10", fh.ListDeliveryStreamsInput{}, all[:10], true},
		{"limit", fh.ListDeliveryStreamsInput{Limit: aws.Int32(4)}, all[:4], true},
		{"limit above count", fh.ListDeliveryStreamsInput{Limit: aws.Int32(100)}, all, false},
		{"limit equal to count", fh.ListDeliveryStreamsInput{Limit: aws.Int32(int32(len(all)))}, all, false},
		{"strictly after an existing name", fh.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("s05"), Limit: aws.Int32(100)}, []string{"s06", "s07", "s08", "s09", "s10", "s11"}, false},
		{"after a name that does not exist", fh.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("s05x")}, []string{"s06", "s07", "s08", "s09", "s10", "s11"}, false},
		{"after the last name", fh.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("zzz")}, nil, false},
		{"before every name", fh.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("A"), Limit: aws.Int32(3)}, []string{"B", "_x", "a"}, true},
		{"type filter", fh.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource}, kds, false},
		{"type filter with limit", fh.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource, Limit: aws.Int32(2)}, kds[:2], true},
		{"type filter with start", fh.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeKinesisStreamAsSource, ExclusiveStartDeliveryStreamName: aws.String("k00")}, kds[1:], false},
		{"type with no streams", fh.ListDeliveryStreamsInput{DeliveryStreamType: types.DeliveryStreamTypeMSKAsSource}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.ListDeliveryStreams(ctxT(t), &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.DeliveryStreamNames, tc.want) {
				t.Errorf("DeliveryStreamNames = %v, want %v", out.DeliveryStreamNames, tc.want)
			}
			if out.HasMoreDeliveryStreams == nil || *out.HasMoreDeliveryStreams != tc.wantMore {
				t.Errorf("HasMoreDeliveryStreams = %v, want %v", out.HasMoreDeliveryStreams, tc.wantMore)
			}
		})
	}

	// A client paging with ExclusiveStartDeliveryStreamName sees every
	// stream exactly once.
	var paged []string
	in := &fh.ListDeliveryStreamsInput{Limit: aws.Int32(4)}
	for {
		out, err := c.ListDeliveryStreams(ctxT(t), in)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, out.DeliveryStreamNames...)
		if !aws.ToBool(out.HasMoreDeliveryStreams) {
			break
		}
		in.ExclusiveStartDeliveryStreamName = aws.String(out.DeliveryStreamNames[len(out.DeliveryStreamNames)-1])
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("paged listing = %v, want %v", paged, all)
	}
}

func TestDeleteWhileCreating(t *testing.T) {
	srv := apptest.Start(t, withCreateDelay(time.Hour))
	c := srv.Firehose()
	createS3(t, c, "young")
	_, err := c.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("young")})
	wantError[types.ResourceInUseException](t, err, "Firehose young under account 000000000000 is in CREATING state and cannot be deleted.")
	if st := describe(t, c, "young").DeliveryStreamStatus; st != types.DeliveryStreamStatusCreating {
		t.Fatalf("status after refused delete = %q, want CREATING", st)
	}
}

func TestDeleteDeleting(t *testing.T) {
	srv := apptest.Start(t, withDeleteDelay(time.Hour))
	c := srv.Firehose()
	createS3(t, c, "doomed")
	waitActive(t, c, "doomed")

	del := &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("doomed")}
	if _, err := c.DeleteDeliveryStream(ctxT(t), del); err != nil {
		t.Fatal(err)
	}
	if st := describe(t, c, "doomed").DeliveryStreamStatus; st != types.DeliveryStreamStatusDeleting {
		t.Fatalf("status = %q, want DELETING", st)
	}
	// A repeated delete of a DELETING stream succeeds.
	if _, err := c.DeleteDeliveryStream(ctxT(t), del); err != nil {
		t.Fatalf("repeated delete: %v", err)
	}
	// The stream is still listed, and its name is still taken.
	out, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(out.DeliveryStreamNames, "doomed") {
		t.Errorf("ListDeliveryStreams = %v, want the DELETING stream listed", out.DeliveryStreamNames)
	}
	_, err = c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("doomed"), ExtendedS3DestinationConfiguration: extendedS3()})
	wantError[types.ResourceInUseException](t, err, "Firehose doomed under account 000000000000 already exists.")
	// A stream on its way out takes no tags and no updates.
	_, err = c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{DeliveryStreamName: aws.String("doomed"), Tags: []types.Tag{tag("a", "b")}})
	wantError[types.ResourceInUseException](t, err, "Firehose doomed under account 000000000000 is in DELETING state.")
	err = update(t, c, "doomed", "1", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")}))
	wantError[types.ResourceInUseException](t, err, "Firehose doomed under account 000000000000 is not in ACTIVE state; its status is DELETING.")
}

func TestDeleteRemovesStream(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "gone", func(in *fh.CreateDeliveryStreamInput) {
		in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}
	})
	createS3(t, c, "kept")
	waitActive(t, c, "gone")

	del := &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("gone")}
	if _, err := c.DeleteDeliveryStream(ctxT(t), del); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "gone")

	_, err := c.DeleteDeliveryStream(ctxT(t), del)
	wantError[types.ResourceNotFoundException](t, err, "Firehose gone under account 000000000000 not found.")
	_, err = c.ListTagsForDeliveryStream(ctxT(t), &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
	wantError[types.ResourceNotFoundException](t, err, "Firehose gone under account 000000000000 not found.")
	out, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.DeliveryStreamNames, []string{"kept"}) {
		t.Errorf("ListDeliveryStreams = %v, want [kept]", out.DeliveryStreamNames)
	}

	// The name is free again, and the new stream starts from scratch:
	// version 1 and none of the old stream's tags.
	createS3(t, c, "gone")
	d := waitActive(t, c, "gone")
	if aws.ToString(d.VersionId) != "1" {
		t.Errorf("re-created VersionId = %q, want 1", aws.ToString(d.VersionId))
	}
	tags, err := c.ListTagsForDeliveryStream(ctxT(t), &fh.ListTagsForDeliveryStreamInput{DeliveryStreamName: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 0 {
		t.Errorf("re-created stream has tags %v", tags.Tags)
	}
}

// A stream created through a client in us-west-2 lives in us-west-2 only:
// the region comes from the SigV4 credential scope.
func TestRegionIsolation(t *testing.T) {
	srv := apptest.Start(t)
	east, west := srv.Firehose(), srv.FirehoseIn("us-west-2")

	arn := createS3(t, west, "regional")
	if want := "arn:aws:firehose:us-west-2:" + account + ":deliverystream/regional"; arn != want {
		t.Fatalf("ARN = %q, want %q", arn, want)
	}
	waitActive(t, west, "regional")

	_, err := east.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("regional")})
	wantError[types.ResourceNotFoundException](t, err, "Firehose regional under account 000000000000 not found.")
	out, err := east.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.DeliveryStreamNames) != 0 {
		t.Errorf("us-east-1 lists %v", out.DeliveryStreamNames)
	}
	_, err = east.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("regional")})
	wantError[types.ResourceNotFoundException](t, err, "Firehose regional under account 000000000000 not found.")

	// The same name is free in another region.
	eastARN := createS3(t, east, "regional")
	if !strings.Contains(eastARN, ":us-east-1:") {
		t.Fatalf("us-east-1 ARN = %q", eastARN)
	}
	out, err = west.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.DeliveryStreamNames, []string{"regional"}) {
		t.Errorf("us-west-2 lists %v", out.DeliveryStreamNames)
	}
	if d := describe(t, west, "regional"); aws.ToString(d.DeliveryStreamARN) != arn {
		t.Errorf("us-west-2 stream ARN changed to %q", aws.ToString(d.DeliveryStreamARN))
	}

	// ARNs carry the region's partition.
	for region, want := range map[string]string{
		"cn-north-1":    "arn:aws-cn:firehose:cn-north-1:000000000000:deliverystream/regional",
		"us-gov-west-1": "arn:aws-us-gov:firehose:us-gov-west-1:000000000000:deliverystream/regional",
	} {
		if got := createS3(t, srv.FirehoseIn(region), "regional"); got != want {
			t.Errorf("%s ARN = %q, want %q", region, got, want)
		}
	}
}

// A legacy S3 destination is described under both the S3 and the
// ExtendedS3 description, as AWS does.
func TestCreateLegacyS3Mirrored(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "legacy", func(in *fh.CreateDeliveryStreamInput) {
		in.ExtendedS3DestinationConfiguration = nil
		in.S3DestinationConfiguration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), Prefix: aws.String("old/")}
	})
	dest := describe(t, c, "legacy").Destinations[0]
	s, x := dest.S3DestinationDescription, dest.ExtendedS3DestinationDescription
	if s == nil || x == nil {
		t.Fatalf("legacy S3 description: S3 %+v, ExtendedS3 %+v", s, x)
	}
	checkS3Defaults(t, "legacy S3", s.BufferingHints, s.CompressionFormat, s.EncryptionConfiguration, s.CloudWatchLoggingOptions)
	checkS3Defaults(t, "legacy ExtendedS3", x.BufferingHints, x.CompressionFormat, x.EncryptionConfiguration, x.CloudWatchLoggingOptions)
	if aws.ToString(s.Prefix) != "old/" || aws.ToString(x.Prefix) != "old/" || aws.ToString(x.BucketARN) != bucketARN {
		t.Fatalf("legacy S3 members: S3 %+v, ExtendedS3 %+v", s, x)
	}
}

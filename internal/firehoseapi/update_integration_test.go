package firehoseapi_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// UpdateDestination: versions, merge semantics, concurrency, switching
// destination types and the one-way rules.

const (
	staleVersion = "Another modification has already happened. Fetch VersionId again and use it to update the destination."
	kmsKeyARN    = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// update sends one UpdateDestination for the stream's only destination.
func update(t *testing.T, c *fh.Client, name, version string, mutate func(*fh.UpdateDestinationInput)) error {
	t.Helper()
	in := &fh.UpdateDestinationInput{
		DeliveryStreamName:             aws.String(name),
		CurrentDeliveryStreamVersionId: aws.String(version),
		DestinationId:                  aws.String(destID),
	}
	mutate(in)
	_, err := c.UpdateDestination(ctxT(t), in)
	return err
}

func mustUpdate(t *testing.T, c *fh.Client, name, version string, mutate func(*fh.UpdateDestinationInput)) *types.DeliveryStreamDescription {
	t.Helper()
	if err := update(t, c, name, version, mutate); err != nil {
		t.Fatalf("UpdateDestination %s from version %s: %v", name, version, err)
	}
	return describe(t, c, name)
}

func extUpdate(u types.ExtendedS3DestinationUpdate) func(*fh.UpdateDestinationInput) {
	return func(in *fh.UpdateDestinationInput) { in.ExtendedS3DestinationUpdate = &u }
}

func TestUpdateMergesAndAdvancesVersion(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	logging := &types.CloudWatchLoggingOptions{Enabled: aws.Bool(true), LogGroupName: aws.String("/aws/kinesisfirehose/merged"), LogStreamName: aws.String("S3Delivery")}
	createS3(t, c, "merged", func(in *fh.CreateDeliveryStreamInput) {
		x := in.ExtendedS3DestinationConfiguration
		x.Prefix, x.ErrorOutputPrefix = aws.String("data/"), aws.String("errors/")
		x.CompressionFormat = types.CompressionFormatGzip
		x.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(10), IntervalInSeconds: aws.Int32(120)}
		x.CloudWatchLoggingOptions = logging
	})
	v1 := waitActive(t, c, "merged")

	v2 := mustUpdate(t, c, "merged", "1", extUpdate(types.ExtendedS3DestinationUpdate{
		BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(20), IntervalInSeconds: aws.Int32(60)},
	}))
	if aws.ToString(v2.VersionId) != "2" {
		t.Fatalf("VersionId = %q, want 2", aws.ToString(v2.VersionId))
	}
	if v2.LastUpdateTimestamp == nil || v2.LastUpdateTimestamp.Before(*v1.CreateTimestamp) {
		t.Fatalf("LastUpdateTimestamp = %v, want set, not before CreateTimestamp %v", v2.LastUpdateTimestamp, v1.CreateTimestamp)
	}
	if v2.DeliveryStreamStatus != types.DeliveryStreamStatusActive || !v2.CreateTimestamp.Equal(*v1.CreateTimestamp) {
		t.Fatalf("status %q, CreateTimestamp %v: an update changes neither", v2.DeliveryStreamStatus, v2.CreateTimestamp)
	}
	x := v2.Destinations[0].ExtendedS3DestinationDescription
	if h := x.BufferingHints; aws.ToInt32(h.SizeInMBs) != 20 || aws.ToInt32(h.IntervalInSeconds) != 60 {
		t.Errorf("BufferingHints = %+v, want the update's 20/60", h)
	}
	// Everything the update left out keeps its value.
	if aws.ToString(x.Prefix) != "data/" || aws.ToString(x.ErrorOutputPrefix) != "errors/" || x.CompressionFormat != types.CompressionFormatGzip ||
		aws.ToString(x.RoleARN) != roleARN || aws.ToString(x.BucketARN) != bucketARN ||
		x.CloudWatchLoggingOptions == nil || aws.ToString(x.CloudWatchLoggingOptions.LogGroupName) != "/aws/kinesisfirehose/merged" ||
		x.EncryptionConfiguration == nil || x.EncryptionConfiguration.NoEncryptionConfig != types.NoEncryptionConfigNoEncryption {
		t.Errorf("merge lost members: %+v", x)
	}
	if s := v2.Destinations[0].S3DestinationDescription; s == nil || aws.ToInt32(s.BufferingHints.SizeInMBs) != 20 {
		t.Errorf("S3 mirror not updated: %+v", s)
	}

	// The S3 encryption switches both ways: a new EncryptionConfiguration
	// replaces the old one instead of being merged into it.
	v3 := mustUpdate(t, c, "merged", "2", extUpdate(types.ExtendedS3DestinationUpdate{
		EncryptionConfiguration: &types.EncryptionConfiguration{KMSEncryptionConfig: &types.KMSEncryptionConfig{AWSKMSKeyARN: aws.String(kmsKeyARN)}},
	}))
	enc := v3.Destinations[0].ExtendedS3DestinationDescription.EncryptionConfiguration
	if enc == nil || enc.NoEncryptionConfig != "" || enc.KMSEncryptionConfig == nil || aws.ToString(enc.KMSEncryptionConfig.AWSKMSKeyARN) != kmsKeyARN {
		t.Fatalf("EncryptionConfiguration after switching to KMS = %+v", enc)
	}
	v4 := mustUpdate(t, c, "merged", "3", extUpdate(types.ExtendedS3DestinationUpdate{
		EncryptionConfiguration: &types.EncryptionConfiguration{NoEncryptionConfig: types.NoEncryptionConfigNoEncryption},
	}))
	enc = v4.Destinations[0].S3DestinationDescription.EncryptionConfiguration
	if enc == nil || enc.NoEncryptionConfig != types.NoEncryptionConfigNoEncryption || enc.KMSEncryptionConfig != nil {
		t.Fatalf("EncryptionConfiguration after switching back = %+v", enc)
	}

	// The legacy S3 update of an ExtendedS3 stream updates the shared
	// members and keeps the stream ExtendedS3.
	v5 := mustUpdate(t, c, "merged", "4", func(in *fh.UpdateDestinationInput) {
		in.S3DestinationUpdate = &types.S3DestinationUpdate{Prefix: aws.String("legacy/")}
	})
	x = v5.Destinations[0].ExtendedS3DestinationDescription
	if x == nil || aws.ToString(x.Prefix) != "legacy/" || x.CompressionFormat != types.CompressionFormatGzip {
		t.Fatalf("after S3DestinationUpdate: %+v", x)
	}
	if aws.ToString(v5.VersionId) != "5" || v5.LastUpdateTimestamp.Before(*v2.LastUpdateTimestamp) {
		t.Fatalf("VersionId %q, LastUpdateTimestamp %v (was %v)", aws.ToString(v5.VersionId), v5.LastUpdateTimestamp, v2.LastUpdateTimestamp)
	}
}

func TestUpdateErrors(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "target")
	waitActive(t, c, "target")
	mustUpdate(t, c, "target", "1", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("v2/")}))

	prefix := func(p string) func(*fh.UpdateDestinationInput) {
		return extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String(p)})
	}
	cases := []struct {
		name    string
		stream  string
		version string
		mutate  func(*fh.UpdateDestinationInput)
		check   func(*testing.T, error)
	}{
		{"stale version", "target", "1", prefix("x/"), func(t *testing.T, err error) {
			wantError[types.ConcurrentModificationException](t, err, staleVersion)
		}},
		{"future version", "target", "3", prefix("x/"), func(t *testing.T, err error) {
			wantError[types.ConcurrentModificationException](t, err, staleVersion)
		}},
		{"unknown destination id", "target", "2", func(in *fh.UpdateDestinationInput) {
			in.DestinationId = aws.String("destinationId-000000000002")
			in.ExtendedS3DestinationUpdate = &types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")}
		}, func(t *testing.T, err error) {
			wantError[types.InvalidArgumentException](t, err, "Destination Id destinationId-000000000002 not found.")
		}},
		{"unknown stream", "missing", "1", prefix("x/"), func(t *testing.T, err error) {
			wantError[types.ResourceNotFoundException](t, err, "Firehose missing under account 000000000000 not found.")
		}},
		{"two updates", "target", "2", func(in *fh.UpdateDestinationInput) {
			in.ExtendedS3DestinationUpdate = &types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")}
			in.S3DestinationUpdate = &types.S3DestinationUpdate{Prefix: aws.String("y/")}
		}, func(t *testing.T, err error) {
			wantError[types.InvalidArgumentException](t, err, "Exactly one destination update must be specified.")
		}},
		{"prefix rules apply to the merged result", "target", "2", prefix("!{timestamp:yyyy}/"), func(t *testing.T, err error) {
			wantError[types.InvalidArgumentException](t, err, "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
		}},
		{"hints come in pairs", "target", "2", extUpdate(types.ExtendedS3DestinationUpdate{BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(10)}}), func(t *testing.T, err error) {
			wantError[types.InvalidArgumentException](t, err, "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together.")
		}},
		{"version must be digits", "target", "v2", prefix("x/"), func(t *testing.T, err error) {
			wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'v2' at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, update(t, c, tc.stream, tc.version, tc.mutate))
		})
	}
	// None of the refused updates changed anything.
	d := describe(t, c, "target")
	if aws.ToString(d.VersionId) != "2" || aws.ToString(d.Destinations[0].ExtendedS3DestinationDescription.Prefix) != "v2/" {
		t.Fatalf("after refused updates: VersionId %q, Prefix %q", aws.ToString(d.VersionId), aws.ToString(d.Destinations[0].ExtendedS3DestinationDescription.Prefix))
	}
}

func TestUpdateWhileCreating(t *testing.T) {
	srv := apptest.Start(t, withCreateDelay(time.Hour))
	c := srv.Firehose()
	createS3(t, c, "young")
	err := update(t, c, "young", "1", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")}))
	wantError[types.ResourceInUseException](t, err, "Firehose young under account 000000000000 is not in ACTIVE state; its status is CREATING.")
}

// Of N updates sent at once from the same version, exactly one wins.
func TestUpdateConcurrentExactlyOneWinner(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "raced")
	waitActive(t, c, "raced")

	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			in := &fh.UpdateDestinationInput{
				DeliveryStreamName:             aws.String("raced"),
				CurrentDeliveryStreamVersionId: aws.String("1"),
				DestinationId:                  aws.String(destID),
				ExtendedS3DestinationUpdate:    &types.ExtendedS3DestinationUpdate{Prefix: aws.String(fmt.Sprintf("writer%d/", i))},
			}
			_, errs[i] = c.UpdateDestination(ctxT(t), in)
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("updates %d and %d both won", winner, i)
			}
			winner = i
			continue
		}
		wantError[types.ConcurrentModificationException](t, err, staleVersion)
	}
	if winner < 0 {
		t.Fatal("no update won")
	}
	d := describe(t, c, "raced")
	if aws.ToString(d.VersionId) != "2" {
		t.Fatalf("VersionId = %q, want 2", aws.ToString(d.VersionId))
	}
	if got, want := aws.ToString(d.Destinations[0].ExtendedS3DestinationDescription.Prefix), fmt.Sprintf("writer%d/", winner); got != want {
		t.Fatalf("Prefix = %q, want the winner's %q", got, want)
	}
}

// Writes that do not change the VersionId (tags) must not make an update
// from the current version fail.
func TestUpdateNotDisturbedByTagging(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "busy")
	waitActive(t, c, "busy")

	stop := make(chan struct{})
	tagErr := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				tagErr <- nil
				return
			default:
			}
			_, err := c.TagDeliveryStream(ctxT(t), &fh.TagDeliveryStreamInput{
				DeliveryStreamName: aws.String("busy"), Tags: []types.Tag{tag("round", fmt.Sprint(i))},
			})
			if err != nil {
				tagErr <- err
				return
			}
		}
	}()
	for v := 1; v <= 15; v++ {
		err := update(t, c, "busy", fmt.Sprint(v), extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String(fmt.Sprintf("v%d/", v))}))
		if err != nil {
			close(stop)
			t.Fatalf("update from current version %d while tagging: %v", v, err)
		}
	}
	close(stop)
	if err := <-tagErr; err != nil {
		t.Fatalf("tagging during updates: %v", err)
	}
	if d := describe(t, c, "busy"); aws.ToString(d.VersionId) != "16" {
		t.Fatalf("VersionId = %q, want 16", aws.ToString(d.VersionId))
	}
}

func TestUpdateSwitchDestinationType(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "switch")
	waitActive(t, c, "switch")
	const secret = "s3cr3t-access-key"

	// Another type must come complete: here without its S3 configuration.
	err := update(t, c, "switch", "1", func(in *fh.UpdateDestinationInput) {
		in.HttpEndpointDestinationUpdate = &types.HttpEndpointDestinationUpdate{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://collector.example.com/in")},
		}
	})
	wantError[types.InvalidArgumentException](t, err, "The new destination configuration is incomplete: 1 validation error detected: Value null at 'httpEndpointDestinationConfiguration.s3Configuration' failed to satisfy constraint: Member must not be null")

	d := mustUpdate(t, c, "switch", "1", func(in *fh.UpdateDestinationInput) {
		in.HttpEndpointDestinationUpdate = &types.HttpEndpointDestinationUpdate{
			EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://collector.example.com/in"), Name: aws.String("collector"), AccessKey: aws.String(secret)},
			S3Update:              &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
		}
	})
	dest := d.Destinations[0]
	h := dest.HttpEndpointDestinationDescription
	if h == nil || dest.ExtendedS3DestinationDescription != nil || dest.S3DestinationDescription != nil {
		t.Fatalf("after switching to HttpEndpoint: %+v", dest)
	}
	if e := h.EndpointConfiguration; e == nil || aws.ToString(e.Url) != "https://collector.example.com/in" || aws.ToString(e.Name) != "collector" {
		t.Errorf("EndpointConfiguration = %+v", h.EndpointConfiguration)
	}
	if b := h.BufferingHints; b == nil || aws.ToInt32(b.SizeInMBs) != 5 || aws.ToInt32(b.IntervalInSeconds) != 300 || h.S3BackupMode != types.HttpEndpointS3BackupModeFailedDataOnly {
		t.Errorf("HttpEndpoint defaults: hints %+v, S3BackupMode %q", h.BufferingHints, h.S3BackupMode)
	}
	if s := h.S3DestinationDescription; s == nil || aws.ToString(s.BucketARN) != bucketARN {
		t.Errorf("S3DestinationDescription = %+v", s)
	} else {
		checkS3Defaults(t, "HttpEndpoint S3", s.BufferingHints, s.CompressionFormat, s.EncryptionConfiguration, s.CloudWatchLoggingOptions)
	}
	if raw := firehoseCall(t, srv.URL, "DescribeDeliveryStream", `{"DeliveryStreamName":"switch"}`); bytes.Contains(raw.Body, []byte(secret)) {
		t.Fatalf("Describe echoes the HTTP endpoint access key: %s", raw.Body)
	}

	// Same type again: merged, the endpoint kept.
	d = mustUpdate(t, c, "switch", "2", func(in *fh.UpdateDestinationInput) {
		in.HttpEndpointDestinationUpdate = &types.HttpEndpointDestinationUpdate{BufferingHints: &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(60)}}
	})
	h = d.Destinations[0].HttpEndpointDestinationDescription
	if aws.ToString(h.EndpointConfiguration.Url) != "https://collector.example.com/in" || aws.ToInt32(h.BufferingHints.SizeInMBs) != 1 {
		t.Fatalf("HttpEndpoint merge: endpoint %+v hints %+v", h.EndpointConfiguration, h.BufferingHints)
	}

	// And back to ExtendedS3, which again must be complete.
	err = update(t, c, "switch", "3", extUpdate(types.ExtendedS3DestinationUpdate{Prefix: aws.String("back/")}))
	wantError[types.InvalidArgumentException](t, err, "The new destination configuration is incomplete: 2 validation errors detected: Value null at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member must not be null; Value null at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must not be null")
	d = mustUpdate(t, c, "switch", "3", extUpdate(types.ExtendedS3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), Prefix: aws.String("back/")}))
	dest = d.Destinations[0]
	if dest.HttpEndpointDestinationDescription != nil || dest.ExtendedS3DestinationDescription == nil || dest.S3DestinationDescription == nil {
		t.Fatalf("after switching back: %+v", dest)
	}
	x := dest.ExtendedS3DestinationDescription
	checkS3Defaults(t, "ExtendedS3 again", x.BufferingHints, x.CompressionFormat, x.EncryptionConfiguration, x.CloudWatchLoggingOptions)
	if aws.ToString(x.Prefix) != "back/" || aws.ToString(d.VersionId) != "4" {
		t.Fatalf("Prefix %q VersionId %q", aws.ToString(x.Prefix), aws.ToString(d.VersionId))
	}
}

func TestUpdateToOpenSearchRefused(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	createS3(t, c, "s3only")
	waitActive(t, c, "s3only")
	s3 := &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}

	cases := []struct {
		name   string
		mutate func(*fh.UpdateDestinationInput)
		want   string
	}{
		{"OpenSearch Service", func(in *fh.UpdateDestinationInput) {
			in.AmazonopensearchserviceDestinationUpdate = &types.AmazonopensearchserviceDestinationUpdate{
				DomainARN: aws.String("arn:aws:es:us-east-1:000000000000:domain/logs"), IndexName: aws.String("logs"), RoleARN: aws.String(roleARN), S3Update: s3,
			}
		}, "Changing the destination type to or from Amazonopensearchservice is not supported."},
		{"Elasticsearch", func(in *fh.UpdateDestinationInput) {
			in.ElasticsearchDestinationUpdate = &types.ElasticsearchDestinationUpdate{
				DomainARN: aws.String("arn:aws:es:us-east-1:000000000000:domain/logs"), IndexName: aws.String("logs"), RoleARN: aws.String(roleARN), S3Update: s3,
			}
		}, "Changing the destination type to or from Elasticsearch is not supported."},
		{"OpenSearch Serverless", func(in *fh.UpdateDestinationInput) {
			in.AmazonOpenSearchServerlessDestinationUpdate = &types.AmazonOpenSearchServerlessDestinationUpdate{
				CollectionEndpoint: aws.String("https://abc.us-east-1.aoss.amazonaws.com"), IndexName: aws.String("logs"), RoleARN: aws.String(roleARN), S3Update: s3,
			}
		}, "Changing the destination type to or from AmazonOpenSearchServerless is not supported."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError[types.InvalidArgumentException](t, update(t, c, "s3only", "1", tc.mutate), tc.want)
		})
	}
	if d := describe(t, c, "s3only"); aws.ToString(d.VersionId) != "1" || d.Destinations[0].ExtendedS3DestinationDescription == nil {
		t.Fatalf("refused switches changed the stream: %+v", d)
	}
}

func TestUpdateOneWayRules(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()

	createS3(t, c, "backup", func(in *fh.CreateDeliveryStreamInput) {
		in.ExtendedS3DestinationConfiguration.S3BackupMode = types.S3BackupModeEnabled
		in.ExtendedS3DestinationConfiguration.S3BackupConfiguration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String("arn:aws:s3:::backup")}
	})
	createS3(t, c, "nobackup")
	createS3(t, c, "partitioned", func(in *fh.CreateDeliveryStreamInput) {
		x := in.ExtendedS3DestinationConfiguration
		x.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
		x.Prefix = aws.String("customer=!{partitionKeyFromQuery:customer}/")
		x.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
		x.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(60)}
		x.ProcessingConfiguration = &types.ProcessingConfiguration{Enabled: aws.Bool(true), Processors: []types.Processor{{
			Type: types.ProcessorTypeMetadataExtraction,
			Parameters: []types.ProcessorParameter{
				{ParameterName: types.ProcessorParameterNameMetadataExtractionQuery, ParameterValue: aws.String("{customer: .customer}")},
				{ParameterName: types.ProcessorParameterNameJsonParsingEngine, ParameterValue: aws.String("JQ-1.6")},
			},
		}}}
	})
	splunk := func(mode types.SplunkS3BackupMode) func(*fh.CreateDeliveryStreamInput) {
		return func(in *fh.CreateDeliveryStreamInput) {
			in.ExtendedS3DestinationConfiguration = nil
			in.SplunkDestinationConfiguration = &types.SplunkDestinationConfiguration{
				HECEndpoint: aws.String("https://splunk.example.com:8088"), HECEndpointType: types.HECEndpointTypeRaw, HECToken: aws.String("token"),
				S3BackupMode:    mode,
				S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
			}
		}
	}
	createS3(t, c, "splunk-all", splunk(types.SplunkS3BackupModeAllEvents))
	createS3(t, c, "splunk-failed", splunk(""))
	for _, n := range []string{"backup", "nobackup", "partitioned", "splunk-all", "splunk-failed"} {
		waitActive(t, c, n)
	}
	splunkMode := func(mode types.SplunkS3BackupMode) func(*fh.UpdateDestinationInput) {
		return func(in *fh.UpdateDestinationInput) {
			in.SplunkDestinationUpdate = &types.SplunkDestinationUpdate{S3BackupMode: mode}
		}
	}

	refused := []struct {
		name, stream string
		mutate       func(*fh.UpdateDestinationInput)
		want         string
	}{
		{"source backup cannot be disabled", "backup", extUpdate(types.ExtendedS3DestinationUpdate{S3BackupMode: types.S3BackupModeDisabled}),
			"S3BackupMode cannot be changed from Enabled to Disabled."},
		{"dynamic partitioning cannot be disabled", "partitioned", extUpdate(types.ExtendedS3DestinationUpdate{DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(false)}}),
			"Dynamic partitioning cannot be disabled once it is enabled."},
		{"dynamic partitioning cannot be enabled later", "nobackup", extUpdate(types.ExtendedS3DestinationUpdate{DynamicPartitioningConfiguration: &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}}),
			"Dynamic partitioning can only be enabled when the Firehose stream is created."},
		{"splunk AllEvents cannot go back", "splunk-all", splunkMode(types.SplunkS3BackupModeFailedEventsOnly),
			"S3BackupMode cannot be changed from AllEvents to FailedEventsOnly."},
		{"backup enabled without its configuration", "nobackup", extUpdate(types.ExtendedS3DestinationUpdate{S3BackupMode: types.S3BackupModeEnabled}),
			"S3BackupConfiguration must be specified when S3BackupMode is Enabled."},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			wantError[types.InvalidArgumentException](t, update(t, c, tc.stream, "1", tc.mutate), tc.want)
		})
	}

	// The allowed directions.
	t.Run("source backup can be enabled", func(t *testing.T) {
		d := mustUpdate(t, c, "nobackup", "1", extUpdate(types.ExtendedS3DestinationUpdate{
			S3BackupMode:   types.S3BackupModeEnabled,
			S3BackupUpdate: &types.S3DestinationUpdate{RoleARN: aws.String(roleARN), BucketARN: aws.String("arn:aws:s3:::backup")},
		}))
		x := d.Destinations[0].ExtendedS3DestinationDescription
		if x.S3BackupMode != types.S3BackupModeEnabled || x.S3BackupDescription == nil || aws.ToString(x.S3BackupDescription.BucketARN) != "arn:aws:s3:::backup" {
			t.Fatalf("S3BackupMode %q, S3BackupDescription %+v", x.S3BackupMode, x.S3BackupDescription)
		}
	})
	t.Run("splunk FailedEventsOnly to AllEvents", func(t *testing.T) {
		d := mustUpdate(t, c, "splunk-failed", "1", splunkMode(types.SplunkS3BackupModeAllEvents))
		if s := d.Destinations[0].SplunkDestinationDescription; s == nil || s.S3BackupMode != types.SplunkS3BackupModeAllEvents {
			t.Fatalf("Splunk description %+v", s)
		}
	})
	t.Run("partitioned stream keeps partitioning through other updates", func(t *testing.T) {
		d := mustUpdate(t, c, "partitioned", "1", extUpdate(types.ExtendedS3DestinationUpdate{CompressionFormat: types.CompressionFormatGzip}))
		x := d.Destinations[0].ExtendedS3DestinationDescription
		if dp := x.DynamicPartitioningConfiguration; dp == nil || !aws.ToBool(dp.Enabled) || dp.RetryOptions == nil || aws.ToInt32(dp.RetryOptions.DurationInSeconds) != 300 {
			t.Fatalf("DynamicPartitioningConfiguration = %+v, want enabled with the default 300 s retry", dp)
		}
	})
	for _, n := range []string{"backup", "splunk-all"} {
		if v := aws.ToString(describe(t, c, n).VersionId); v != "1" {
			t.Errorf("%s VersionId = %q after refused updates, want 1", n, v)
		}
	}
}

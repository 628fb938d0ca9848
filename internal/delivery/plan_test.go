package delivery

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/compression"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

func TestBucketFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:s3:::analytics":          "analytics",
		"arn:aws-cn:s3:::Legacy_Bucket.1": "Legacy_Bucket.1",
	} {
		if got, err := bucketFromARN(arn); err != nil || got != want {
			t.Errorf("%s: %q %v", arn, got, err)
		}
	}
	for _, bad := range []string{"", "analytics", "arn:aws:s3:::", "arn:aws:s3:::b/k", "s3:::b"} {
		if _, err := bucketFromARN(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPlanFromConfiguration(t *testing.T) {
	var random seededReader
	ds := s3Stream("p", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.BufferingHints = &fm.BufferingHints{SizeInMBs: ptr[int32](64), IntervalInSeconds: ptr[int32](120)}
		c.CompressionFormat = ptr(fm.CompressionFormatHadoopSnappy)
		c.EncryptionConfiguration = &fm.EncryptionConfiguration{KMSEncryptionConfig: &fm.KMSEncryptionConfig{AWSKMSKeyARN: ptr("arn:aws:kms:us-east-1:000000000000:key/k")}}
		c.ProcessingConfiguration = &fm.ProcessingConfiguration{Enabled: ptr(true)}
	})
	ds.VersionID = 7
	p, err := newPlan(ds, &random)
	if err != nil {
		t.Fatal(err)
	}
	if p.bucket != "analytics" || p.sizeLimit != 64<<20 || p.interval != 120*time.Second || p.format != compression.HadoopSnappy ||
		p.ext != ".snappy" || p.kmsKeyARN != "arn:aws:kms:us-east-1:000000000000:key/k" || p.version != 7 ||
		len(p.unsupported) != 1 {
		t.Fatalf("plan %+v", p)
	}

	// The legacy S3 shape: defaults where members are absent.
	legacy := &firehose.DeliveryStream{Name: "old", VersionID: 1, Destination: firehose.Destination{S3: &fm.S3DestinationConfiguration{
		BucketARN: ptr("arn:aws:s3:::b"), Prefix: ptr("logs"),
	}}}
	p, err = newPlan(legacy, &random)
	if err != nil {
		t.Fatal(err)
	}
	if p.sizeLimit != 5<<20 || p.interval != 300*time.Second || p.format != compression.Uncompressed || p.ext != "" || p.kmsKeyARN != "" {
		t.Fatalf("legacy plan %+v", p)
	}
	key, err := objectKey(p, &random, batchSeed("u", 1, 42), time.Date(2024, 1, 31, 10, 20, 30, 0, time.UTC))
	if err != nil || key[:len("logs2024/01/31/10/old-1-2024-01-31-10-20-30-")] != "logs2024/01/31/10/old-1-2024-01-31-10-20-30-" {
		t.Fatalf("key %q %v", key, err)
	}
	again, _ := objectKey(p, &random, batchSeed("u", 1, 42), time.Date(2024, 1, 31, 10, 20, 30, 0, time.UTC))
	other, _ := objectKey(p, &random, batchSeed("u", 1, 43), time.Date(2024, 1, 31, 10, 20, 30, 0, time.UTC))
	if again != key || other == key {
		t.Fatalf("keys are not derived from the batch: %s %s %s", key, again, other)
	}

	// A zero interval is zero buffering, and FileExtension overrides.
	zero := s3Stream("z", func(c *fm.ExtendedS3DestinationConfiguration) {
		c.BufferingHints = &fm.BufferingHints{SizeInMBs: ptr[int32](1), IntervalInSeconds: ptr[int32](0)}
		c.CompressionFormat = ptr(fm.CompressionFormatGzip)
		c.FileExtension = ptr(".log.gz")
		c.CustomTimeZone = ptr("Asia/Tokyo")
	})
	p, err = newPlan(zero, &random)
	if err != nil || p.interval != 0 || p.ext != ".log.gz" {
		t.Fatalf("zero plan %+v %v", p, err)
	}
	key, _ = objectKey(p, &random, batchSeed("u", 1, 1), time.Date(2024, 1, 31, 20, 0, 0, 0, time.UTC))
	if key[:len("2024/02/01/05/z-1-2024-02-01-05-00-00-")] != "2024/02/01/05/z-1-2024-02-01-05-00-00-" {
		t.Fatalf("time zone key %q", key)
	}

	badZone := s3Stream("tz", func(c *fm.ExtendedS3DestinationConfiguration) { c.CustomTimeZone = ptr("Mars/Olympus") })
	if _, err := newPlan(badZone, &random); err == nil {
		t.Fatal("unknown time zone accepted")
	}
}

func TestLoadNodeIDIsStable(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadNodeID(dir)
	if err != nil || a == "" {
		t.Fatal(a, err)
	}
	b, err := LoadNodeID(dir)
	if err != nil || a != b {
		t.Fatalf("%q then %q (%v)", a, b, err)
	}
}

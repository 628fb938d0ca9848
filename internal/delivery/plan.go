package delivery

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/compression"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/s3key"
)

// Defaults of the S3 BufferingHints (spec §4.2), used when a stored
// configuration somehow lacks them (the catalog fills them in on create).
const (
	defaultSizeMB   = 5
	defaultInterval = 300 * time.Second
)

// plan is what a runner needs from one version of a stream's S3
// destination, worked out once per VersionId.
type plan struct {
	version     int64
	bucket      string
	sizeLimit   int           // bytes of record data before compression
	interval    time.Duration // 0: zero buffering
	format      compression.Format
	kmsKeyARN   string
	ext         string // FileExtension, or the compression format's
	namer       *s3key.Namer
	unsupported []string // configured features this runner does not apply yet
}

// s3Settings are the members the legacy S3 and the ExtendedS3 shapes share,
// plus the ExtendedS3-only ones that matter to naming.
type s3Settings struct {
	bucketARN, prefix, errorPrefix string
	hints                          *fm.BufferingHints
	format                         fm.CompressionFormat
	encryption                     *fm.EncryptionConfiguration
	fileExtension, timeZone        string
	unsupported                    []string
}

// destinationS3 reports whether a stream delivers to S3, and its settings.
func destinationS3(d firehose.Destination) (s3Settings, bool) {
	switch {
	case d.ExtendedS3 != nil:
		c := d.ExtendedS3
		s := s3Settings{
			bucketARN: deref(c.BucketARN), prefix: deref(c.Prefix), errorPrefix: deref(c.ErrorOutputPrefix),
			hints: c.BufferingHints, format: deref(c.CompressionFormat), encryption: c.EncryptionConfiguration,
			fileExtension: deref(c.FileExtension), timeZone: deref(c.CustomTimeZone),
		}
		if p := c.ProcessingConfiguration; p != nil && deref(p.Enabled) {
			s.unsupported = append(s.unsupported, "ProcessingConfiguration")
		}
		if f := c.DataFormatConversionConfiguration; f != nil && (f.Enabled == nil || *f.Enabled) {
			s.unsupported = append(s.unsupported, "DataFormatConversionConfiguration")
		}
		if dp := c.DynamicPartitioningConfiguration; dp != nil && deref(dp.Enabled) {
			s.unsupported = append(s.unsupported, "DynamicPartitioningConfiguration")
		}
		if deref(c.S3BackupMode) == fm.S3BackupModeEnabled {
			s.unsupported = append(s.unsupported, "S3BackupMode=Enabled")
		}
		return s, true
	case d.S3 != nil:
		c := d.S3
		return s3Settings{
			bucketARN: deref(c.BucketARN), prefix: deref(c.Prefix), errorPrefix: deref(c.ErrorOutputPrefix),
			hints: c.BufferingHints, format: deref(c.CompressionFormat), encryption: c.EncryptionConfiguration,
		}, true
	}
	return s3Settings{}, false
}

// newPlan derives the plan of a stream's current version. random feeds the
// namer's !{firehose:random-string}; the runner reseeds it per batch so a
// retried batch gets the same key.
func newPlan(ds *firehose.DeliveryStream, random *seededReader) (*plan, error) {
	s, ok := destinationS3(ds.Destination)
	if !ok {
		return nil, fmt.Errorf("delivery: stream %s has no S3 destination", ds.Name)
	}
	bucket, err := bucketFromARN(s.bucketARN)
	if err != nil {
		return nil, err
	}
	p := &plan{
		version:     ds.VersionID,
		bucket:      bucket,
		sizeLimit:   defaultSizeMB << 20,
		interval:    defaultInterval,
		format:      compression.Format(s.format),
		unsupported: s.unsupported,
	}
	if h := s.hints; h != nil {
		if h.SizeInMBs != nil && *h.SizeInMBs > 0 {
			p.sizeLimit = int(*h.SizeInMBs) << 20
		}
		if h.IntervalInSeconds != nil && *h.IntervalInSeconds >= 0 {
			p.interval = time.Duration(*h.IntervalInSeconds) * time.Second
		}
	}
	if p.format == "" {
		p.format = compression.Uncompressed
	}
	if !p.format.Valid() {
		return nil, fmt.Errorf("delivery: stream %s: unknown CompressionFormat %q", ds.Name, s.format)
	}
	if e := s.encryption; e != nil && e.KMSEncryptionConfig != nil {
		p.kmsKeyARN = deref(e.KMSEncryptionConfig.AWSKMSKeyARN)
	}
	ext := compression.Extension(p.format)
	if s.fileExtension != "" {
		ext = s.fileExtension
	}
	p.ext = ext
	loc := time.UTC
	if s.timeZone != "" {
		if loc, err = time.LoadLocation(s.timeZone); err != nil {
			return nil, fmt.Errorf("delivery: stream %s: CustomTimeZone %q: %w", ds.Name, s.timeZone, err)
		}
	}
	p.namer, err = s3key.NewNamer(s3key.Config{
		StreamName:        ds.Name,
		VersionID:         strconv.FormatInt(ds.VersionID, 10),
		Prefix:            s.prefix,
		ErrorOutputPrefix: s.errorPrefix,
		Location:          loc,
		Extension:         ext,
		Random:            random,
	})
	if err != nil {
		return nil, fmt.Errorf("delivery: stream %s: %w", ds.Name, err)
	}
	return p, nil
}

// bucketFromARN takes the bucket name out of arn:<partition>:s3:::<bucket>.
func bucketFromARN(arn string) (string, error) {
	_, bucket, ok := strings.Cut(arn, ":s3:::")
	if !ok || !strings.HasPrefix(arn, "arn:") || bucket == "" || strings.Contains(bucket, "/") {
		return "", fmt.Errorf("delivery: BucketARN %q does not name a bucket", arn)
	}
	return bucket, nil
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

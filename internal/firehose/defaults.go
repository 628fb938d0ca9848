package firehose

import (
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// applyDefaults fills in what AWS fills in, so Describe shows what the real
// service shows for the same request (spec §2.2 "stored/described
// configuration defaults").
func applyDefaults(d *Destination) {
	switch {
	case d.S3 != nil:
		defaultS3(d.S3)
	case d.ExtendedS3 != nil:
		defaultExtendedS3(d.ExtendedS3)
	case d.Redshift != nil:
		c := d.Redshift
		defaultS3(c.S3Configuration)
		defaultS3(c.S3BackupConfiguration)
		setDefault(&c.S3BackupMode, ptr(fm.RedshiftS3BackupModeDisabled))
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
		if c.RetryOptions == nil {
			c.RetryOptions = &fm.RedshiftRetryOptions{DurationInSeconds: ptr[int32](3600)}
		}
	case d.Elasticsearch != nil:
		c := d.Elasticsearch
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.ElasticsearchBufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](300)})
		setDefault(&c.S3BackupMode, ptr(fm.ElasticsearchS3BackupModeFailedDocumentsOnly))
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
		setDefault(&c.RetryOptions, &fm.ElasticsearchRetryOptions{DurationInSeconds: ptr[int32](300)})
	case d.Amazonopensearchservice != nil:
		c := d.Amazonopensearchservice
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.AmazonopensearchserviceBufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](300)})
		setDefault(&c.S3BackupMode, ptr(fm.AmazonopensearchserviceS3BackupModeFailedDocumentsOnly))
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
		setDefault(&c.RetryOptions, &fm.AmazonopensearchserviceRetryOptions{DurationInSeconds: ptr[int32](300)})
	case d.AmazonOpenSearchServerless != nil:
		c := d.AmazonOpenSearchServerless
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.AmazonOpenSearchServerlessBufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](300)})
		setDefault(&c.S3BackupMode, ptr(fm.AmazonOpenSearchServerlessS3BackupModeFailedDocumentsOnly))
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
		setDefault(&c.RetryOptions, &fm.AmazonOpenSearchServerlessRetryOptions{DurationInSeconds: ptr[int32](300)})
	case d.Splunk != nil:
		c := d.Splunk
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.SplunkBufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](60)})
		setDefault(&c.S3BackupMode, ptr(fm.SplunkS3BackupModeFailedEventsOnly))
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
		setDefault(&c.RetryOptions, &fm.SplunkRetryOptions{DurationInSeconds: ptr[int32](3600)})
		setDefault(&c.HECAcknowledgmentTimeoutInSeconds, ptr(int32(180)))
	case d.HttpEndpoint != nil:
		c := d.HttpEndpoint
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.HttpEndpointBufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](300)})
		setDefault(&c.S3BackupMode, ptr(fm.HttpEndpointS3BackupModeFailedDataOnly))
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
		setDefault(&c.RetryOptions, &fm.HttpEndpointRetryOptions{DurationInSeconds: ptr[int32](300)})
		if c.RequestConfiguration == nil {
			c.RequestConfiguration = &fm.HttpEndpointRequestConfiguration{ContentEncoding: ptr(fm.ContentEncodingNone)}
		}
	case d.Snowflake != nil:
		c := d.Snowflake
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.SnowflakeBufferingHints{SizeInMBs: ptr[int32](128), IntervalInSeconds: ptr[int32](0)})
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
	case d.Iceberg != nil:
		c := d.Iceberg
		defaultS3(c.S3Configuration)
		setDefault(&c.BufferingHints, &fm.BufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](300)})
		setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
	}
}

func defaultS3(c *fm.S3DestinationConfiguration) {
	if c == nil {
		return
	}
	setDefault(&c.BufferingHints, &fm.BufferingHints{SizeInMBs: ptr[int32](5), IntervalInSeconds: ptr[int32](300)})
	setDefault(&c.CompressionFormat, ptr(fm.CompressionFormatUncompressed))
	setDefault(&c.EncryptionConfiguration, noEncryption())
	setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
}

func defaultExtendedS3(c *fm.ExtendedS3DestinationConfiguration) {
	size := int32(5)
	if conv := c.DataFormatConversionConfiguration; conv != nil {
		setDefault(&conv.Enabled, ptr(true))
		if *conv.Enabled {
			size = 128 // the documented default once conversion is on
		}
	}
	// AWS describes an ExtendedS3 destination without conversion as
	// {"Enabled": false} rather than leaving the member out.
	setDefault(&c.DataFormatConversionConfiguration, &fm.DataFormatConversionConfiguration{Enabled: ptr(false)})
	setDefault(&c.BufferingHints, &fm.BufferingHints{SizeInMBs: &size, IntervalInSeconds: ptr[int32](300)})
	setDefault(&c.CompressionFormat, ptr(fm.CompressionFormatUncompressed))
	setDefault(&c.EncryptionConfiguration, noEncryption())
	setDefault(&c.CloudWatchLoggingOptions, loggingDisabled())
	setDefault(&c.S3BackupMode, ptr(fm.S3BackupModeDisabled))
	if dp := c.DynamicPartitioningConfiguration; dp != nil && deref(dp.Enabled) {
		setDefault(&dp.RetryOptions, &fm.RetryOptions{DurationInSeconds: ptr[int32](300)})
	}
	defaultS3(c.S3BackupConfiguration)
}

func noEncryption() *fm.EncryptionConfiguration {
	return &fm.EncryptionConfiguration{NoEncryptionConfig: ptr(fm.NoEncryptionConfigNoEncryption)}
}

func loggingDisabled() *fm.CloudWatchLoggingOptions {
	return &fm.CloudWatchLoggingOptions{Enabled: ptr(false)}
}

// setDefault sets *field to value when it is unset. Taking a pointer of
// the field's own type lets the compiler catch a default of the wrong type.
func setDefault[T any](field **T, value *T) {
	if *field == nil {
		*field = value
	}
}

func ptr[T any](v T) *T { return &v }

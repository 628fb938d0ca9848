package firehoseapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	fh "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluicehq/sluice/internal/app/apptest"
)

// The cross-field rules of CreateDeliveryStream (spec §2.2 item 7, §4.2,
// §4.4, §1.5) and the model validation, end to end through the SDK.

func TestCreateCrossFieldRules(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	kdsSource := &types.KinesisStreamSourceConfiguration{
		KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"), RoleARN: aws.String(roleARN),
	}
	ext := func(edit func(*types.ExtendedS3DestinationConfiguration)) func(*fh.CreateDeliveryStreamInput) {
		return func(in *fh.CreateDeliveryStreamInput) { edit(in.ExtendedS3DestinationConfiguration) }
	}
	conversion := &types.DataFormatConversionConfiguration{
		Enabled:                   aws.Bool(true),
		SchemaConfiguration:       &types.SchemaConfiguration{DatabaseName: aws.String("db"), TableName: aws.String("t"), RoleARN: aws.String(roleARN)},
		InputFormatConfiguration:  &types.InputFormatConfiguration{Deserializer: &types.Deserializer{OpenXJsonSerDe: &types.OpenXJsonSerDe{}}},
		OutputFormatConfiguration: &types.OutputFormatConfiguration{Serializer: &types.Serializer{ParquetSerDe: &types.ParquetSerDe{}}},
	}
	const prefixRule = "Ths supplied prefix(es) do not satisfy the following constraint: "

	cases := []struct {
		name   string
		mutate func(*fh.CreateDeliveryStreamInput)
		want   string
	}{
		// Exactly one destination.
		{"no destination", func(in *fh.CreateDeliveryStreamInput) { in.ExtendedS3DestinationConfiguration = nil },
			"Exactly one destination configuration must be specified for a Firehose stream."},
		{"two destinations", func(in *fh.CreateDeliveryStreamInput) {
			in.S3DestinationConfiguration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)}
		}, "Exactly one destination configuration must be specified for a Firehose stream."},

		// Buffering hints come in pairs.
		{"size without interval", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(10)}
		}), "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together."},
		{"interval without size", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.BufferingHints = &types.BufferingHints{IntervalInSeconds: aws.Int32(60)}
		}), "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together."},
		{"backup hints without interval", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.S3BackupMode = types.S3BackupModeEnabled
			x.S3BackupConfiguration = &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(1)}}
		}), "S3BackupConfiguration.BufferingHints.SizeInMBs and S3BackupConfiguration.BufferingHints.IntervalInSeconds must be specified together."},
		{"http endpoint hints", func(in *fh.CreateDeliveryStreamInput) {
			in.ExtendedS3DestinationConfiguration = nil
			in.HttpEndpointDestinationConfiguration = &types.HttpEndpointDestinationConfiguration{
				EndpointConfiguration: &types.HttpEndpointConfiguration{Url: aws.String("https://collector.example.com")},
				S3Configuration:       &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN)},
				BufferingHints:        &types.HttpEndpointBufferingHints{SizeInMBs: aws.Int32(1)},
			}
		}, "BufferingHints.SizeInMBs and BufferingHints.IntervalInSeconds must be specified together."},

		// Prefix rules (§4.4).
		{"expression prefix needs an error prefix", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.Prefix = aws.String("logs/!{timestamp:yyyy/MM/dd}/")
		}), prefixRule + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"},
		{"error-output-type in prefix", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.Prefix = aws.String("!{firehose:error-output-type}/")
			x.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
		}), prefixRule + "Prefix cannot contain the expression !{firehose:error-output-type}"},
		{"error prefix with expressions needs error-output-type", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.Prefix = aws.String("logs/!{timestamp:yyyy}/")
			x.ErrorOutputPrefix = aws.String("errors/!{timestamp:yyyy}/")
		}), prefixRule + "ErrorOutputPrefix must contain the expression !{firehose:error-output-type} at least once when it contains expressions"},
		{"partition key in error prefix", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/!{partitionKeyFromQuery:id}/")
		}), prefixRule + "ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions"},
		{"partition key without dynamic partitioning", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.Prefix = aws.String("!{partitionKeyFromQuery:id}/")
			x.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
		}), "Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled."},
		{"dynamic partitioning without partition keys", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
			x.Prefix = aws.String("data/")
			x.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
		}), prefixRule + "Prefix must contain at least one partitionKeyFromQuery or partitionKeyFromLambda expression when Dynamic Partitioning is enabled"},
		{"dynamic partitioning key without its processor", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.DynamicPartitioningConfiguration = &types.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)}
			x.Prefix = aws.String("!{partitionKeyFromQuery:id}/")
			x.ErrorOutputPrefix = aws.String("errors/!{firehose:error-output-type}/")
		}), "Prefix uses partitionKeyFromQuery but no enabled MetadataExtraction processor is configured."},

		// Source and type (§2.2 item 4, §1.5).
		{"kinesis source on a DirectPut stream", func(in *fh.CreateDeliveryStreamInput) {
			in.KinesisStreamSourceConfiguration = kdsSource
		}, "KinesisStreamSourceConfiguration is only applicable for KinesisStreamAsSource stream type."},
		{"KinesisStreamAsSource without its source", func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
		}, "KinesisStreamSourceConfiguration is required for KinesisStreamAsSource stream type."},
		{"DirectPut source on a Kinesis stream", func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
			in.KinesisStreamSourceConfiguration = kdsSource
			in.DirectPutSourceConfiguration = &types.DirectPutSourceConfiguration{ThroughputHintInMBs: aws.Int32(1)}
		}, "DirectPutSourceConfiguration is only applicable for DirectPut stream type."},
		{"SSE on a Kinesis-sourced stream", func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamType = types.DeliveryStreamTypeKinesisStreamAsSource
			in.KinesisStreamSourceConfiguration = kdsSource
			in.DeliveryStreamEncryptionConfigurationInput = &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk}
		}, "This operation is not permitted on KinesisStreamAsSource delivery stream type."},
		{"customer key without ARN", func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamEncryptionConfigurationInput = &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeCustomerManagedCmk}
		}, "KeyARN must be specified when KeyType is CUSTOMER_MANAGED_CMK."},
		{"AWS-owned key with ARN", func(in *fh.CreateDeliveryStreamInput) {
			in.DeliveryStreamEncryptionConfigurationInput = &types.DeliveryStreamEncryptionConfigurationInput{KeyType: types.KeyTypeAwsOwnedCmk, KeyARN: aws.String(kmsKeyARN)}
		}, "KeyARN must not be specified when KeyType is AWS_OWNED_CMK."},

		// Destination details (§2.2 item 7).
		{"both S3 encryption choices", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.EncryptionConfiguration = &types.EncryptionConfiguration{NoEncryptionConfig: types.NoEncryptionConfigNoEncryption, KMSEncryptionConfig: &types.KMSEncryptionConfig{AWSKMSKeyARN: aws.String(kmsKeyARN)}}
		}), "Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified."},
		{"format conversion with compression", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.DataFormatConversionConfiguration = conversion
			x.CompressionFormat = types.CompressionFormatGzip
		}), "CompressionFormat must be UNCOMPRESSED when data format conversion is enabled."},
		{"format conversion with small buffers", ext(func(x *types.ExtendedS3DestinationConfiguration) {
			x.DataFormatConversionConfiguration = conversion
			x.BufferingHints = &types.BufferingHints{SizeInMBs: aws.Int32(5), IntervalInSeconds: aws.Int32(300)}
		}), "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled."},
		{"redshift cannot read snappy", func(in *fh.CreateDeliveryStreamInput) {
			in.ExtendedS3DestinationConfiguration = nil
			in.RedshiftDestinationConfiguration = &types.RedshiftDestinationConfiguration{
				RoleARN: aws.String(roleARN), ClusterJDBCURL: aws.String("jdbc:redshift://cluster.abc123.us-east-1.redshift.amazonaws.com:5439/dev"),
				CopyCommand: &types.CopyCommand{DataTableName: aws.String("events")}, Username: aws.String("admin"), Password: aws.String("secret123"),
				S3Configuration: &types.S3DestinationConfiguration{RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), CompressionFormat: types.CompressionFormatSnappy},
			}
		}, "CompressionFormat Snappy is not supported for the Redshift destination: COPY cannot read it."},
		{"duplicate tag keys", func(in *fh.CreateDeliveryStreamInput) {
			in.Tags = []types.Tag{tag("k", "1"), tag("k", "2")}
		}, "Duplicate tag key k in the request."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.NewReplacer(" ", "-", "'", "").Replace(tc.name)
			in := &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(name), ExtendedS3DestinationConfiguration: extendedS3()}
			tc.mutate(in)
			_, err := c.CreateDeliveryStream(ctxT(t), in)
			wantError[types.InvalidArgumentException](t, err, tc.want)
			// A refused create leaves nothing behind.
			_, err = c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
			wantError[types.ResourceNotFoundException](t, err, "Firehose "+name+" under account 000000000000 not found.")
		})
	}
}

// Model validation answers ValidationException in the Coral format.
func TestValidationThroughSDK(t *testing.T) {
	srv := apptest.Start(t)
	c := srv.Firehose()
	long := strings.Repeat("n", 65)
	const pattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"

	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"create: name too long", func() error {
			_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String(long), ExtendedS3DestinationConfiguration: extendedS3()})
			return err
		}, "1 validation error detected: Value '" + long + "' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"create: bad name", func() error {
			_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("bad name!"), ExtendedS3DestinationConfiguration: extendedS3()})
			return err
		}, "1 validation error detected: Value 'bad name!' at 'deliveryStreamName' failed to satisfy constraint: " + pattern},
		{"create: trailing newline fails the full-match pattern", func() error {
			_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("name\n"), ExtendedS3DestinationConfiguration: extendedS3()})
			return err
		}, "1 validation error detected: Value 'name\n' at 'deliveryStreamName' failed to satisfy constraint: " + pattern},
		{"create: bad bucket ARN", func() error {
			_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("ok"), ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
				RoleARN: aws.String(roleARN), BucketARN: aws.String("analytics"),
			}})
			return err
		}, "1 validation error detected: Value 'analytics' at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{1,255}"},
		{"create: hint out of range", func() error {
			_, err := c.CreateDeliveryStream(ctxT(t), &fh.CreateDeliveryStreamInput{DeliveryStreamName: aws.String("ok"), ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
				RoleARN: aws.String(roleARN), BucketARN: aws.String(bucketARN), BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(129), IntervalInSeconds: aws.Int32(60)},
			}})
			return err
		}, "1 validation error detected: Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128"},
		{"describe: name too long", func() error {
			_, err := c.DescribeDeliveryStream(ctxT(t), &fh.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(long)})
			return err
		}, "1 validation error detected: Value '" + long + "' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"list: limit zero", func() error {
			_, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{Limit: aws.Int32(0)})
			return err
		}, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"list: bad start name", func() error {
			_, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{ExclusiveStartDeliveryStreamName: aws.String("a/b")})
			return err
		}, "1 validation error detected: Value 'a/b' at 'exclusiveStartDeliveryStreamName' failed to satisfy constraint: " + pattern},
		{"delete: bad name", func() error {
			_, err := c.DeleteDeliveryStream(ctxT(t), &fh.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("a b")})
			return err
		}, "1 validation error detected: Value 'a b' at 'deliveryStreamName' failed to satisfy constraint: " + pattern},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantAPIError(t, tc.call(), "ValidationException", tc.want)
		})
	}
	out, err := c.ListDeliveryStreams(ctxT(t), &fh.ListDeliveryStreamsInput{})
	if err != nil || len(out.DeliveryStreamNames) != 0 {
		t.Fatalf("invalid requests created streams: %v %v", out, err)
	}
}

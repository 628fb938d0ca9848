package firehose

import (
	"strings"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/s3key"
)

// The cross-field rules the real service applies on top of the model's
// constraints (spec §2.2, §4.2–§4.10). Each failure is an
// InvalidArgumentException with one message; the first rule broken wins.

// checkSource verifies that the source configuration matches the stream
// type, and that SSE is asked for only where Firehose holds the data.
func checkSource(t fm.DeliveryStreamType, src Source, sse *fm.DeliveryStreamEncryptionConfigurationInput) *Error {
	type pairing struct {
		typ  fm.DeliveryStreamType
		set  bool
		name string
	}
	pairs := []pairing{
		{fm.DeliveryStreamTypeKinesisStreamAsSource, src.KinesisStream != nil, "KinesisStreamSourceConfiguration"},
		{fm.DeliveryStreamTypeMSKAsSource, src.MSK != nil, "MSKSourceConfiguration"},
		{fm.DeliveryStreamTypeDatabaseAsSource, src.Database != nil, "DatabaseSourceConfiguration"},
		{fm.DeliveryStreamTypeDirectPut, src.DirectPut != nil, "DirectPutSourceConfiguration"},
	}
	for _, p := range pairs {
		if p.set && p.typ != t {
			return invalidArgument("%s is only applicable for %s stream type.", p.name, p.typ)
		}
		if !p.set && p.typ == t && t != fm.DeliveryStreamTypeDirectPut {
			return invalidArgument("%s is required for %s stream type.", p.name, t)
		}
	}
	if sse != nil {
		if t != fm.DeliveryStreamTypeDirectPut {
			return invalidArgument("This operation is not permitted on %s delivery stream type.", t)
		}
		if err := checkKeyChoice(sse); err != nil {
			return err
		}
	}
	return nil
}

// checkKeyChoice applies the KeyType/KeyARN pairing rule of spec §1.3.
func checkKeyChoice(in *fm.DeliveryStreamEncryptionConfigurationInput) *Error {
	keyARN := deref(in.KeyARN)
	switch deref(in.KeyType) {
	case fm.KeyTypeCustomerManagedCmk:
		if keyARN == "" {
			return invalidArgument("KeyARN must be specified when KeyType is CUSTOMER_MANAGED_CMK.")
		}
	case fm.KeyTypeAwsOwnedCmk:
		if keyARN != "" {
			return invalidArgument("KeyARN must not be specified when KeyType is AWS_OWNED_CMK.")
		}
	}
	return nil
}

// checkDestination applies the rules of one destination configuration.
func checkDestination(d Destination) *Error {
	switch {
	case d.S3 != nil:
		return checkS3(d.S3, "", false)
	case d.ExtendedS3 != nil:
		return checkExtendedS3(d.ExtendedS3)
	case d.Redshift != nil:
		return checkRedshift(d.Redshift)
	case d.Elasticsearch != nil:
		c := d.Elasticsearch
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	case d.Amazonopensearchservice != nil:
		c := d.Amazonopensearchservice
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	case d.AmazonOpenSearchServerless != nil:
		c := d.AmazonOpenSearchServerless
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	case d.Splunk != nil:
		c := d.Splunk
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	case d.HttpEndpoint != nil:
		c := d.HttpEndpoint
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	case d.Snowflake != nil:
		c := d.Snowflake
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	case d.Iceberg != nil:
		c := d.Iceberg
		return firstError(
			checkHints(hintsOf(c.BufferingHints), "BufferingHints"),
			checkS3(c.S3Configuration, "S3Configuration.", false),
			checkProcessing(c.ProcessingConfiguration))
	}
	return nil
}

func checkExtendedS3(c *fm.ExtendedS3DestinationConfiguration) *Error {
	dp := c.DynamicPartitioningConfiguration != nil && deref(c.DynamicPartitioningConfiguration.Enabled)
	conversion := c.DataFormatConversionConfiguration != nil && derefOr(c.DataFormatConversionConfiguration.Enabled, true)
	hints := hintsOf(c.BufferingHints)
	if err := firstError(
		checkHints(hints, "BufferingHints"),
		checkEncryption(c.EncryptionConfiguration),
		checkPrefixes(deref(c.Prefix), deref(c.ErrorOutputPrefix), dp),
		checkProcessing(c.ProcessingConfiguration),
	); err != nil {
		return err
	}
	if conversion {
		if f := deref(c.CompressionFormat); f != "" && f != fm.CompressionFormatUncompressed {
			return invalidArgument("CompressionFormat must be UNCOMPRESSED when data format conversion is enabled.")
		}
		if hints.size != nil && *hints.size < 64 {
			return invalidArgument("BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled.")
		}
		if err := checkConversion(c.DataFormatConversionConfiguration); err != nil {
			return err
		}
	}
	if dp {
		if hints.size != nil && *hints.size < 64 {
			return invalidArgument("BufferingHints.SizeInMBs must be at least 64 when dynamic partitioning is enabled.")
		}
		if hints.interval != nil && *hints.interval == 0 {
			return invalidArgument("BufferingHints.IntervalInSeconds must be at least 60 when dynamic partitioning is enabled.")
		}
		if err := checkPartitionKeySources(deref(c.Prefix), c.ProcessingConfiguration); err != nil {
			return err
		}
	}
	if deref(c.S3BackupMode) == fm.S3BackupModeEnabled && c.S3BackupConfiguration == nil {
		return invalidArgument("S3BackupConfiguration must be specified when S3BackupMode is Enabled.")
	}
	if c.S3BackupConfiguration != nil {
		if h := hintsOf(c.S3BackupConfiguration.BufferingHints); h.interval != nil && *h.interval == 0 {
			return invalidArgument("S3BackupConfiguration.BufferingHints.IntervalInSeconds must be at least 60: zero buffering is not supported for the backup destination.")
		}
		return checkS3(c.S3BackupConfiguration, "S3BackupConfiguration.", false)
	}
	return nil
}

func checkRedshift(c *fm.RedshiftDestinationConfiguration) *Error {
	s3 := c.S3Configuration
	if s3 != nil {
		switch deref(s3.CompressionFormat) {
		case fm.CompressionFormatSnappy, fm.CompressionFormatZip, fm.CompressionFormatHadoopSnappy:
			return invalidArgument("CompressionFormat %s is not supported for the Redshift destination: COPY cannot read it.", deref(s3.CompressionFormat))
		}
		if err := s3key.ValidateRedshiftPrefixes(deref(s3.Prefix), deref(s3.ErrorOutputPrefix)); err != nil {
			return invalidArgument("%s", err.Error())
		}
		if err := firstError(checkHints(hintsOf(s3.BufferingHints), "S3Configuration.BufferingHints"), checkEncryption(s3.EncryptionConfiguration)); err != nil {
			return err
		}
	}
	if deref(c.S3BackupMode) == fm.RedshiftS3BackupModeEnabled && c.S3BackupConfiguration == nil {
		return invalidArgument("S3BackupConfiguration must be specified when S3BackupMode is Enabled.")
	}
	return firstError(checkS3(c.S3BackupConfiguration, "S3BackupConfiguration.", false), checkProcessing(c.ProcessingConfiguration))
}

// checkS3 applies the rules shared by every plain S3 configuration.
func checkS3(c *fm.S3DestinationConfiguration, path string, dp bool) *Error {
	if c == nil {
		return nil
	}
	return firstError(
		checkHints(hintsOf(c.BufferingHints), path+"BufferingHints"),
		checkEncryption(c.EncryptionConfiguration),
		checkPrefixes(deref(c.Prefix), deref(c.ErrorOutputPrefix), dp),
	)
}

func checkPrefixes(prefix, errorPrefix string, dp bool) *Error {
	if err := s3key.ValidatePrefixes(prefix, errorPrefix, dp); err != nil {
		return invalidArgument("%s", err.Error())
	}
	return nil
}

// hints is the size/interval pair every BufferingHints shape has.
type hints struct{ size, interval *int32 }

type bufferingHints interface {
	*fm.BufferingHints | *fm.ElasticsearchBufferingHints | *fm.AmazonopensearchserviceBufferingHints |
		*fm.AmazonOpenSearchServerlessBufferingHints | *fm.SplunkBufferingHints |
		*fm.HttpEndpointBufferingHints | *fm.SnowflakeBufferingHints
}

func hintsOf[H bufferingHints](h H) hints {
	switch v := any(h).(type) {
	case *fm.BufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	case *fm.ElasticsearchBufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	case *fm.AmazonopensearchserviceBufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	case *fm.AmazonOpenSearchServerlessBufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	case *fm.SplunkBufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	case *fm.HttpEndpointBufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	case *fm.SnowflakeBufferingHints:
		if v != nil {
			return hints{v.SizeInMBs, v.IntervalInSeconds}
		}
	}
	return hints{}
}

// checkHints: both members of BufferingHints are optional, but they come
// as a pair.
func checkHints(h hints, path string) *Error {
	if (h.size == nil) != (h.interval == nil) {
		return invalidArgument("%s.SizeInMBs and %s.IntervalInSeconds must be specified together.", path, path)
	}
	return nil
}

func checkEncryption(e *fm.EncryptionConfiguration) *Error {
	if e == nil {
		return nil
	}
	if (e.NoEncryptionConfig != nil) == (e.KMSEncryptionConfig != nil) {
		return invalidArgument("Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified.")
	}
	return nil
}

// requiredParameters are the processor parameters without which a
// processor cannot run.
var requiredParameters = map[fm.ProcessorType][]fm.ProcessorParameterName{
	fm.ProcessorTypeLambda:              {fm.ProcessorParameterNameLambdaArn},
	fm.ProcessorTypeMetadataExtraction:  {fm.ProcessorParameterNameMetadataExtractionQuery, fm.ProcessorParameterNameJsonParsingEngine},
	fm.ProcessorTypeRecordDeAggregation: {fm.ProcessorParameterNameSubRecordType},
	fm.ProcessorTypeDecompression:       {fm.ProcessorParameterNameCompressionFormat},
}

func checkProcessing(p *fm.ProcessingConfiguration) *Error {
	if p == nil {
		return nil
	}
	for _, proc := range p.Processors {
		typ := deref(proc.Type)
		params := map[fm.ProcessorParameterName]string{}
		for _, param := range proc.Parameters {
			params[deref(param.ParameterName)] = deref(param.ParameterValue)
		}
		for _, name := range requiredParameters[typ] {
			if _, ok := params[name]; !ok {
				return invalidArgument("Processor %s is missing required parameter %s.", typ, name)
			}
		}
		if typ == fm.ProcessorTypeMetadataExtraction && params[fm.ProcessorParameterNameJsonParsingEngine] != "JQ-1.6" {
			return invalidArgument("JsonParsingEngine must be JQ-1.6.")
		}
		if typ == fm.ProcessorTypeRecordDeAggregation {
			switch params[fm.ProcessorParameterNameSubRecordType] {
			case "JSON":
			case "DELIMITED":
				if params[fm.ProcessorParameterNameDelimiter] == "" {
					return invalidArgument("Delimiter must be specified when SubRecordType is DELIMITED.")
				}
			default:
				return invalidArgument("SubRecordType must be JSON or DELIMITED.")
			}
		}
	}
	return nil
}

// checkPartitionKeySources: every partition key the prefix names must come
// from a processor that produces it.
func checkPartitionKeySources(prefix string, p *fm.ProcessingConfiguration) *Error {
	has := map[fm.ProcessorType]bool{}
	if p != nil && derefOr(p.Enabled, false) {
		for _, proc := range p.Processors {
			has[deref(proc.Type)] = true
		}
	}
	if strings.Contains(prefix, "!{partitionKeyFromQuery:") && !has[fm.ProcessorTypeMetadataExtraction] {
		return invalidArgument("Prefix uses partitionKeyFromQuery but no enabled MetadataExtraction processor is configured.")
	}
	if strings.Contains(prefix, "!{partitionKeyFromLambda:") && !has[fm.ProcessorTypeLambda] {
		return invalidArgument("Prefix uses partitionKeyFromLambda but no enabled Lambda processor is configured.")
	}
	return nil
}

func checkConversion(c *fm.DataFormatConversionConfiguration) *Error {
	if c.SchemaConfiguration == nil {
		return invalidArgument("SchemaConfiguration must be specified when data format conversion is enabled.")
	}
	in := c.InputFormatConfiguration
	if in == nil || in.Deserializer == nil || (in.Deserializer.OpenXJsonSerDe != nil) == (in.Deserializer.HiveJsonSerDe != nil) {
		return invalidArgument("Exactly one of OpenXJsonSerDe or HiveJsonSerDe must be specified in InputFormatConfiguration.Deserializer.")
	}
	out := c.OutputFormatConfiguration
	if out == nil || out.Serializer == nil || (out.Serializer.ParquetSerDe != nil) == (out.Serializer.OrcSerDe != nil) {
		return invalidArgument("Exactly one of ParquetSerDe or OrcSerDe must be specified in OutputFormatConfiguration.Serializer.")
	}
	return nil
}

func firstError(errs ...*Error) *Error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

package firehosemodel

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/apishape"
)

// validateJSON decodes body into the input of op, as the protocol layer will,
// and validates it. It returns "" for a valid input, else the message.
func validateJSON(t *testing.T, op, body string) string {
	t.Helper()
	for _, o := range Operations {
		if o.Name != op {
			continue
		}
		in := o.NewInput()
		if err := json.Unmarshal([]byte(body), in); err != nil {
			t.Fatalf("%s: decode %s: %v", op, body, err)
		}
		err := in.Validate()
		if err == nil {
			return ""
		}
		var ve *apishape.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: Validate returned %T, want *apishape.ValidationError", op, err)
		}
		return err.Error()
	}
	t.Fatalf("no operation %s", op)
	return ""
}

const one = "1 validation error detected: "

func s3Stream(size, interval int, compression string) string {
	return fmt.Sprintf(`{"DeliveryStreamName":"s1","ExtendedS3DestinationConfiguration":{`+
		`"RoleARN":"arn:aws:iam::123456789012:role/firehose","BucketARN":"arn:aws:s3:::bucket",`+
		`"BufferingHints":{"SizeInMBs":%d,"IntervalInSeconds":%d},"CompressionFormat":%q}}`, size, interval, compression)
}

func records(n, size int) string {
	rec := `{"Data":"` + base64.StdEncoding.EncodeToString(make([]byte, size)) + `"}`
	return `{"DeliveryStreamName":"s1","Records":[` + strings.TrimSuffix(strings.Repeat(rec+",", n), ",") + `]}`
}

func TestValidateFirehose(t *testing.T) {
	name64 := strings.Repeat("a", 64)
	name65 := strings.Repeat("a", 65)
	hints := "extendedS3DestinationConfiguration.bufferingHints."
	tests := []struct {
		name string
		op   string
		body string
		want string
	}{
		{"name length 1", "DescribeDeliveryStream", `{"DeliveryStreamName":"a"}`, ""},
		{"name length 64", "DescribeDeliveryStream", `{"DeliveryStreamName":"` + name64 + `"}`, ""},
		{"name length 0", "DescribeDeliveryStream", `{"DeliveryStreamName":""}`,
			"2 validation errors detected: " +
				"Value '' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value '' at 'deliveryStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"name length 65", "DescribeDeliveryStream", `{"DeliveryStreamName":"` + name65 + `"}`,
			one + "Value '" + name65 + "' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"name missing", "DeleteDeliveryStream", `{}`,
			one + "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"},
		{"name explicit null", "DeleteDeliveryStream", `{"DeliveryStreamName":null}`,
			one + "Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"},
		// The real service's answer to a name read from a file with its newline
		// (osquery/osquery#3694).
		{"name with trailing newline", "PutRecord", `{"DeliveryStreamName":"alph1a-osquery\n","Record":{"Data":""}}`,
			one + "Value 'alph1a-osquery\n' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},

		{"hints in range", "CreateDeliveryStream", s3Stream(1, 0, "GZIP"), ""},
		{"hints at maximum", "CreateDeliveryStream", s3Stream(128, 900, "GZIP"), ""},
		{"size 0", "CreateDeliveryStream", s3Stream(0, 300, "GZIP"),
			one + "Value '0' at '" + hints + "sizeInMBs' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"size 129", "CreateDeliveryStream", s3Stream(129, 300, "GZIP"),
			one + "Value '129' at '" + hints + "sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128"},
		{"interval 901", "CreateDeliveryStream", s3Stream(5, 901, "GZIP"),
			one + "Value '901' at '" + hints + "intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"size and interval", "CreateDeliveryStream", s3Stream(129, -1, "GZIP"),
			"2 validation errors detected: " +
				"Value '129' at '" + hints + "sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128; " +
				"Value '-1' at '" + hints + "intervalInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"compression lower case", "CreateDeliveryStream", s3Stream(5, 300, "gzip"),
			one + "Value 'gzip' at 'extendedS3DestinationConfiguration.compressionFormat' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]"},
		{"problems depth first in model order", "CreateDeliveryStream",
			`{"DeliveryStreamName":"bad name","ExtendedS3DestinationConfiguration":{"ProcessingConfiguration":{"Processors":[{}]}},"Tags":[]}`,
			"5 validation errors detected: " +
				"Value 'bad name' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value null at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.type' failed to satisfy constraint: Member must not be null; " +
				"Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"sensitive member printed without value", "CreateDeliveryStream",
			`{"DeliveryStreamName":"s1","HttpEndpointDestinationConfiguration":{"EndpointConfiguration":{"Url":"http://plain"},` +
				`"S3Configuration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::b"}}}`,
			one + "Value at 'httpEndpointDestinationConfiguration.endpointConfiguration.url' failed to satisfy constraint: Member must satisfy regular expression pattern: https://.*"},

		{"one record", "PutRecordBatch", records(1, 10), ""},
		{"500 records", "PutRecordBatch", records(500, 1), ""},
		{"no records", "PutRecordBatch", records(0, 0),
			one + "Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"record of 1,024,000 bytes", "PutRecordBatch", records(1, 1024000), ""},
		{"record of 1,024,001 bytes", "PutRecordBatch", records(1, 1024001),
			one + "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'records.1.member.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"},
		{"record without data", "PutRecordBatch", `{"DeliveryStreamName":"s1","Records":[{"Data":"eA=="},{}]}`,
			one + "Value null at 'records.2.member.data' failed to satisfy constraint: Member must not be null"},
		{"empty record is valid", "PutRecord", `{"DeliveryStreamName":"s1","Record":{"Data":""}}`, ""},
		{"put record of 1,024,001 bytes", "PutRecord",
			`{"DeliveryStreamName":"s1","Record":{"Data":"` + base64.StdEncoding.EncodeToString(make([]byte, 1024001)) + `"}}`,
			one + "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"},

		// The model's TagKey pattern itself refuses the reserved aws: prefix
		// (case-sensitively, as Java does).
		{"tag key aws: prefix", "TagDeliveryStream", `{"DeliveryStreamName":"s1","Tags":[{"Key":"team"},{"Key":"aws:cloudformation:stack-name","Value":"x"}]}`,
			one + "Value 'aws:cloudformation:stack-name' at 'tags.2.member.key' failed to satisfy constraint: " +
				`Member must satisfy regular expression pattern: ^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`},
		{"tag key AWS: upper case", "TagDeliveryStream", `{"DeliveryStreamName":"s1","Tags":[{"Key":"AWS:x","Value":"é 1"}]}`, ""},
		{"tag value bad character", "TagDeliveryStream", `{"DeliveryStreamName":"s1","Tags":[{"Key":"k","Value":"a#b"}]}`,
			one + "Value 'a#b' at 'tags.1.member.value' failed to satisfy constraint: " +
				`Member must satisfy regular expression pattern: ^[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`},
		{"untag aws: key", "UntagDeliveryStream", `{"DeliveryStreamName":"s1","TagKeys":["ok","aws:x"]}`,
			one + "Value 'aws:x' at 'tagKeys.2.member' failed to satisfy constraint: " +
				`Member must satisfy regular expression pattern: ^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`},
		{"untag 51 keys", "UntagDeliveryStream", `{"DeliveryStreamName":"s1","TagKeys":["k"` + strings.Repeat(`,"k"`, 50) + `]}`,
			one + "Value '[k" + strings.Repeat(", k", 50) + "]' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50"},

		// Look-around patterns, checked by hand-written matchers.
		{"blank processor parameter", "CreateDeliveryStream",
			`{"DeliveryStreamName":"s1","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::b",` +
				`"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"Lambda","Parameters":[{"ParameterName":"LambdaArn","ParameterValue":" \t"}]}]}}}`,
			one + "Value ' \t' at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.parameters.1.member.parameterValue' " +
				`failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!\s*$).+`},
		{"bad redshift JDBC URL", "CreateDeliveryStream",
			`{"DeliveryStreamName":"s1","RedshiftDestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r",` +
				`"ClusterJDBCURL":"jdbc:redshift://-cluster.abc.us-east-1.redshift.amazonaws.com:5439/dev",` +
				`"CopyCommand":{"DataTableName":"t"},"S3Configuration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::b"}}}`,
			one + "Value 'jdbc:redshift://-cluster.abc.us-east-1.redshift.amazonaws.com:5439/dev' at 'redshiftDestinationConfiguration.clusterJDBCURL' " +
				`failed to satisfy constraint: Member must satisfy regular expression pattern: jdbc:(redshift|postgresql)://((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+`},
		{"good redshift JDBC URL", "CreateDeliveryStream",
			`{"DeliveryStreamName":"s1","RedshiftDestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r",` +
				`"ClusterJDBCURL":"jdbc:redshift://my-cluster.abc123.us-east-1.redshift.amazonaws.com:5439/dev",` +
				`"CopyCommand":{"DataTableName":"t"},"S3Configuration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::b"}}}`, ""},

		// Map keys and values are reported once per map, Coral style.
		{"column mapping with blank key and value", "CreateDeliveryStream",
			`{"DeliveryStreamName":"s1","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::b",` +
				`"DataFormatConversionConfiguration":{"InputFormatConfiguration":{"Deserializer":{"OpenXJsonSerDe":{"ColumnToJsonKeyMappings":{"a b":" ","ok":"v"}}}}}}}`,
			"2 validation errors detected: " +
				"Value '{a b= , ok=v}' at 'extendedS3DestinationConfiguration.dataFormatConversionConfiguration.inputFormatConfiguration.deserializer.openXJsonSerDe.columnToJsonKeyMappings' " +
				`failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^\S+$]; ` +
				"Value '{a b= , ok=v}' at 'extendedS3DestinationConfiguration.dataFormatConversionConfiguration.inputFormatConfiguration.deserializer.openXJsonSerDe.columnToJsonKeyMappings' " +
				`failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^(?!\s*$).+]`},

		{"update destination", "UpdateDestination", `{"DeliveryStreamName":"s1","CurrentDeliveryStreamVersionId":"x","DestinationId":"destinationId-000000000001"}`,
			one + "Value 'x' at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+"},
		{"list limit", "ListDeliveryStreams", `{"Limit":0,"DeliveryStreamType":"DirectPut"}`,
			one + "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"list without input", "ListDeliveryStreams", `{}`, ""},
		{"start encryption key type", "StartDeliveryStreamEncryption",
			`{"DeliveryStreamName":"s1","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"CUSTOMER_MANAGED_CMK","KeyARN":"arn:aws:kms:us-east-1:123456789012:key/k"}}`, ""},
		{"start encryption without key type", "StartDeliveryStreamEncryption",
			`{"DeliveryStreamName":"s1","DeliveryStreamEncryptionConfigurationInput":{}}`,
			one + "Value null at 'deliveryStreamEncryptionConfigurationInput.keyType' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validateJSON(t, tt.op, tt.body); got != tt.want {
				t.Errorf("message:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCompressionFormatValues(t *testing.T) {
	values := CompressionFormat("").Values()
	if len(values) != 5 || values[0] != CompressionFormatUncompressed || values[4] != CompressionFormatHadoopSnappy {
		t.Fatalf("Values() = %v", values)
	}
	for _, cf := range values {
		if msg := validateJSON(t, "CreateDeliveryStream", s3Stream(5, 300, string(cf))); msg != "" {
			t.Errorf("%s: %s", cf, msg)
		}
	}
}

func TestPutRecordBatchOverLimit(t *testing.T) {
	msg := validateJSON(t, "PutRecordBatch", records(501, 1))
	prefix := one + "Value '[com.amazonaws.firehose.v20150804.Record@"
	suffix := "]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500"
	if !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, suffix) {
		t.Fatalf("message = %.200q...", msg)
	}
	if n := strings.Count(msg, "com.amazonaws.firehose.v20150804.Record@"); n != 501 {
		t.Errorf("message lists %d records, want 501", n)
	}
}

func TestValidateNilInput(t *testing.T) {
	var in *PutRecordInput
	err := in.Validate()
	want := "2 validation errors detected: " +
		"Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null; " +
		"Value null at 'record' failed to satisfy constraint: Member must not be null"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %q", err, want)
	}
}

func TestValidateGoValues(t *testing.T) {
	// Handlers and tests build inputs in Go too; pointers make absence explicit.
	in := &CreateDeliveryStreamInput{
		DeliveryStreamName: apishape.Ptr("s1"),
		DeliveryStreamType: apishape.Ptr(DeliveryStreamTypeDirectPut),
		ExtendedS3DestinationConfiguration: &ExtendedS3DestinationConfiguration{
			RoleARN:           apishape.Ptr("arn:aws:iam::123456789012:role/r"),
			BucketARN:         apishape.Ptr("arn:aws:s3:::b"),
			BufferingHints:    &BufferingHints{SizeInMBs: apishape.Ptr[int32](1), IntervalInSeconds: apishape.Ptr[int32](0)},
			CompressionFormat: apishape.Ptr(CompressionFormatGzip),
		},
	}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
}

package firehosemodel

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/apishape"
)

// FuzzDecodeValidate feeds arbitrary bytes to every operation input the way
// the protocol layer does (decode, then Validate). Decoding may fail;
// validation must never panic and must answer nil or a *ValidationError whose
// message has the Coral form.
func FuzzDecodeValidate(f *testing.F) {
	seeds := []string{
		`{}`,
		`null`,
		`{"DeliveryStreamName":"s1","Record":{"Data":"aGVsbG8K"}}`,
		`{"DeliveryStreamName":"","Records":[{},{"Data":null},null]}`,
		`{"DeliveryStreamName":"s1","Tags":[{"Key":"aws:x","Value":"\u2028"}],"TagKeys":["",null]}`,
		`{"ExtendedS3DestinationConfiguration":{"BufferingHints":{"SizeInMBs":-1},"ProcessingConfiguration":{"Processors":[{"Parameters":[{}]}]},` +
			`"DataFormatConversionConfiguration":{"InputFormatConfiguration":{"Deserializer":{"OpenXJsonSerDe":{"ColumnToJsonKeyMappings":{"":""}}}}}}}`,
		`{"RedshiftDestinationConfiguration":{"ClusterJDBCURL":"jdbc:redshift://-a.redshift.b:1/c"}}`,
		`{"AmazonopensearchserviceDestinationConfiguration":{"DocumentIdOptions":{}},"DatabaseSourceConfiguration":{"Databases":{"Include":[""]}}}`,
	}
	for _, s := range seeds {
		for i := range Operations {
			f.Add(i, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, op int, data []byte) {
		if op < 0 {
			op = -op
		}
		o := Operations[op%len(Operations)]
		in := o.NewInput()
		if json.Unmarshal(data, in) != nil {
			return
		}
		err := in.Validate()
		if err == nil {
			return
		}
		var ve *apishape.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) == 0 {
			t.Fatalf("%s: Validate returned %T %v", o.Name, err, err)
		}
		_ = ve.Error()
	})
}

package kmsmodel

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/apishape"
)

// FuzzDecodeValidate decodes arbitrary bytes into every operation input and
// validates them: validation must never panic and must answer nil or a
// *ValidationError.
func FuzzDecodeValidate(f *testing.F) {
	seeds := []string{
		`{}`,
		`{"KeyId":"k","Plaintext":"eA==","GrantTokens":["",null],"EncryptionContext":{"a":"b"}}`,
		`{"AliasName":"alias/x\n","TargetKeyId":""}`,
		`{"Tags":[{},{"TagKey":""}],"Operations":["Fly"],"Constraints":{"EncryptionContextSubset":{"":""}}}`,
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
		if err := in.Validate(); err != nil {
			var ve *apishape.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("%s: Validate returned %T %v", o.Name, err, err)
			}
		}
	})
}

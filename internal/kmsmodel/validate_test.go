package kmsmodel

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/apishape"
)

// validateJSON decodes body into the input of op and validates it; it returns
// "" for a valid input, else the message.
func validateJSON(t *testing.T, op, body string) string {
	t.Helper()
	for _, o := range Operations {
		if o.Name != op {
			continue
		}
		in := o.NewInput()
		if err := json.Unmarshal([]byte(body), in); err != nil {
			t.Fatalf("%s: decode: %v", op, err)
		}
		err := in.Validate()
		if err == nil {
			return ""
		}
		var ve *apishape.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%s: Validate returned %T", op, err)
		}
		return err.Error()
	}
	t.Fatalf("no operation %s", op)
	return ""
}

const one = "1 validation error detected: "

func b64(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }

func TestValidateKMS(t *testing.T) {
	const key = "1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name string
		op   string
		body string
		want string
	}{
		{"encrypt 4096 bytes", "Encrypt", `{"KeyId":"` + key + `","Plaintext":"` + b64(4096) + `"}`, ""},
		// The real service's message (spec §7.3): sensitive values are not printed.
		{"encrypt 4097 bytes", "Encrypt", `{"KeyId":"` + key + `","Plaintext":"` + b64(4097) + `"}`,
			one + "Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"encrypt empty plaintext", "Encrypt", `{"KeyId":"` + key + `","Plaintext":""}`,
			one + "Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"encrypt nothing", "Encrypt", `{}`,
			"2 validation errors detected: " +
				"Value null at 'keyId' failed to satisfy constraint: Member must not be null; " +
				"Value at 'plaintext' failed to satisfy constraint: Member must not be null"},
		{"encrypt bad algorithm", "Encrypt", `{"KeyId":"k","Plaintext":"eA==","EncryptionAlgorithm":"AES"}`,
			one + "Value 'AES' at 'encryptionAlgorithm' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]"},
		{"encrypt with context", "Encrypt", `{"KeyId":"k","Plaintext":"eA==","EncryptionContext":{"aws:firehose:arn":"arn:aws:firehose:us-east-1:123456789012:deliverystream/s1"}}`, ""},
		{"11 grant tokens", "Encrypt", `{"KeyId":"k","Plaintext":"eA==","GrantTokens":["t"` + strings.Repeat(`,"t"`, 10) + `]}`,
			one + "Value '[t" + strings.Repeat(", t", 10) + "]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"},
		{"empty grant token", "Decrypt", `{"CiphertextBlob":"eA==","GrantTokens":["ok",""]}`,
			one + "Value '' at 'grantTokens.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"decrypt ciphertext too long", "Decrypt", `{"CiphertextBlob":"` + b64(6145) + `"}`,
			one + "Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144"},

		{"alias ok", "CreateAlias", `{"AliasName":"alias/my-key_1:x","TargetKeyId":"` + key + `"}`, ""},
		{"alias with space", "CreateAlias", `{"AliasName":"alias/my key","TargetKeyId":"` + key + `"}`,
			one + "Value 'alias/my key' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"},
		{"alias with newline", "DeleteAlias", `{"AliasName":"alias/k\n"}`,
			one + "Value 'alias/k\n' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"},
		{"alias too long", "UpdateAlias", `{"AliasName":"` + strings.Repeat("a", 257) + `","TargetKeyId":"k"}`,
			one + "Value '" + strings.Repeat("a", 257) + "' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256"},

		{"data key bytes 0", "GenerateDataKey", `{"KeyId":"k","NumberOfBytes":0}`,
			one + "Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"data key bytes 1025", "GenerateDataKey", `{"KeyId":"k","NumberOfBytes":1025}`,
			one + "Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"},
		{"data key spec", "GenerateDataKey", `{"KeyId":"k","KeySpec":"AES_512"}`,
			one + "Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"},
		{"data key ok", "GenerateDataKeyWithoutPlaintext", `{"KeyId":"alias/k","KeySpec":"AES_256"}`, ""},

		{"create key defaults", "CreateKey", `{}`, ""},
		{"create key tags", "CreateKey", `{"Tags":[{"TagKey":"a","TagValue":""},{"TagKey":"","TagValue":"` + strings.Repeat("v", 257) + `"}]}`,
			"2 validation errors detected: " +
				"Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '" + strings.Repeat("v", 257) + "' at 'tags.2.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"create key missing tag value", "CreateKey", `{"Tags":[{"TagKey":"a"}]}`,
			one + "Value null at 'tags.1.member.tagValue' failed to satisfy constraint: Member must not be null"},
		{"create key usage", "CreateKey", `{"KeyUsage":"ENCRYPT"}`,
			one + "Value 'ENCRYPT' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT]"},

		{"pending window 0", "ScheduleKeyDeletion", `{"KeyId":"k","PendingWindowInDays":0}`,
			one + "Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"list keys limit", "ListKeys", `{"Limit":1001}`,
			one + "Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"list keys marker", "ListKeys", `{"Marker":"\u0100"}`,
			one + "Value '\u0100' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*"},
		{"grant operations", "CreateGrant", `{"KeyId":"k","GranteePrincipal":"arn:aws:iam::123456789012:role/r","Operations":["Decrypt","Fly"]}`,
			one + "Value 'Fly' at 'operations.2.member' failed to satisfy constraint: Member must satisfy enum value set: " +
				"[Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, " +
				"DescribeKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret]"},
		{"grant principal", "CreateGrant", `{"KeyId":"k","GranteePrincipal":"a b","Operations":["Decrypt"]}`,
			one + "Value 'a b' at 'granteePrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$"},
		{"retire grant without input", "RetireGrant", `{}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validateJSON(t, tt.op, tt.body); got != tt.want {
				t.Errorf("message:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	if TargetPrefix != "TrentService" {
		t.Errorf("TargetPrefix = %q", TargetPrefix)
	}
	byName := map[string]apishape.Operation{}
	for _, op := range Operations {
		byName[op.Name] = op
		if name := reflect.TypeOf(op.NewInput()).Elem().Name(); name != op.InputShape {
			t.Errorf("%s: NewInput returns %s", op.Name, name)
		}
		if (op.OutputShape == "") != (op.NewOutput == nil) {
			t.Errorf("%s: OutputShape %q but NewOutput nil=%v", op.Name, op.OutputShape, op.NewOutput == nil)
		}
	}
	// The subset the built-in KMS serves (spec appendix B) must all be there.
	for _, name := range []string{"CreateKey", "DescribeKey", "ListKeys", "CreateAlias", "DeleteAlias", "UpdateAlias",
		"ListAliases", "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "CreateGrant", "ListGrants",
		"ListRetirableGrants", "RetireGrant", "RevokeGrant", "Encrypt", "Decrypt", "GenerateDataKey",
		"GenerateDataKeyWithoutPlaintext", "ReEncrypt", "TagResource", "UntagResource", "ListResourceTags",
		"GetKeyPolicy", "PutKeyPolicy"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("operation %s missing", name)
		}
	}
	if op := byName["CreateAlias"]; op.OutputShape != "" {
		t.Errorf("CreateAlias has output %q; the model gives it none", op.OutputShape)
	}
	if op := byName["Encrypt"]; op.InputShape != "EncryptRequest" || op.OutputShape != "EncryptResponse" {
		t.Errorf("Encrypt shapes %q %q", op.InputShape, op.OutputShape)
	}
}

func TestPlaintextWireForm(t *testing.T) {
	out := GenerateDataKeyResponse{
		KeyId:          apishape.Ptr("arn:aws:kms:us-east-1:111111111111:key/k"),
		Plaintext:      []byte{1, 2, 3},
		CiphertextBlob: []byte{4},
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"CiphertextBlob":"BA==","Plaintext":"AQID","KeyId":"arn:aws:kms:us-east-1:111111111111:key/k"}`
	if string(data) != want {
		t.Errorf("Marshal = %s\nwant      %s", data, want)
	}
}

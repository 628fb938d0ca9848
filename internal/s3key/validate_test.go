package s3key

import (
	"errors"
	"strings"
	"testing"
)

func TestValidatePrefixes(t *testing.T) {
	const (
		dateExpr = "!{timestamp:yyyy/MM/dd}/"
		errExpr  = "errors/!{firehose:error-output-type}/"
		query    = "c=!{partitionKeyFromQuery:customer}/"
		lambda   = "d=!{partitionKeyFromLambda:device}/"
	)
	tests := []struct {
		name          string
		prefix, error string
		dynamic       bool
		want          string // exact message; "" for valid; "~x" for a fragment x
	}{
		// Valid combinations.
		{name: "both empty", want: ""},
		{name: "static prefix, no error prefix", prefix: "logs/"},
		{name: "static prefix, static error prefix", prefix: "logs/", error: "failed/"},
		{name: "static prefix, error prefix with type", prefix: "logs", error: errExpr},
		{name: "expressions in both", prefix: dateExpr, error: errExpr + "!{timestamp:yyyy}/"},
		{name: "random-string in both", prefix: "!{firehose:random-string}/", error: "!{firehose:random-string}/!{firehose:error-output-type}"},
		{name: "dynamic partitioning with query key", prefix: query + dateExpr, error: errExpr, dynamic: true},
		{name: "dynamic partitioning with lambda key", prefix: lambda, error: errExpr, dynamic: true},

		// Rule 1: ErrorOutputPrefix empty only if Prefix has no expressions.
		{name: "rule 1", prefix: dateExpr, want: MsgErrorPrefixRequired},
		{name: "rule 1 random-string", prefix: "!{firehose:random-string}", want: MsgErrorPrefixRequired},
		// Rule 2: an expression-bearing ErrorOutputPrefix needs error-output-type.
		{name: "rule 2", prefix: dateExpr, error: "errors/!{timestamp:yyyy}/", want: MsgErrorOutputTypeRequired},
		{name: "rule 2 static prefix", prefix: "logs/", error: "errors/!{firehose:random-string}/", want: MsgErrorOutputTypeRequired},
		// Rule 3: Prefix must not hold error-output-type.
		{name: "rule 3", prefix: "!{firehose:error-output-type}/", error: errExpr, want: MsgErrorOutputTypeInPrefix},
		// Rule 4: no partition keys in ErrorOutputPrefix.
		{name: "rule 4 query", prefix: query, error: errExpr + query, dynamic: true, want: MsgPartitionKeyInErrorPrefix},
		{name: "rule 4 lambda", prefix: lambda, error: errExpr + lambda, dynamic: true, want: MsgPartitionKeyInErrorPrefix},
		// Rule 6: dynamic partitioning needs partition keys and an error prefix;
		// partition keys need dynamic partitioning.
		{name: "rule 6 no keys", prefix: dateExpr, error: errExpr, dynamic: true, want: MsgDynamicPartitioningNeedsKeys},
		{name: "rule 6 empty prefix", error: errExpr, dynamic: true, want: MsgDynamicPartitioningNeedsKeys},
		{name: "rule 6 no error prefix", prefix: query, dynamic: true, want: MsgErrorPrefixRequired},
		{name: "rule 6 keys without partitioning", prefix: query, error: errExpr, want: MsgPartitionKeysNeedDynamicPartitioning},
		// Rule 7: malformed prefixes.
		{name: "rule 7 prefix", prefix: "logs/!{", want: "~The supplied Prefix is not valid: at offset 5"},
		{name: "rule 7 unknown namespace", prefix: "!{foo:bar}", error: errExpr, want: `~unknown namespace "foo"`},
		{name: "rule 7 unknown firehose value", prefix: "!{firehose:uuid}", error: errExpr, want: `~unknown firehose value "uuid"`},
		{name: "rule 7 bad pattern", prefix: "!{timestamp:yyyy-bb}", error: errExpr, want: "~Unknown pattern letter: b"},
		{name: "rule 7 error prefix", prefix: "logs/", error: "!{firehose:error-output-type", want: "~The supplied ErrorOutputPrefix is not valid: at offset 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePrefixes(tt.prefix, tt.error, tt.dynamic)
			switch {
			case tt.want == "":
				if err != nil {
					t.Fatalf("ValidatePrefixes(%q, %q, %v) = %v, want nil", tt.prefix, tt.error, tt.dynamic, err)
				}
				return
			case err == nil:
				t.Fatalf("ValidatePrefixes(%q, %q, %v) = nil, want %q", tt.prefix, tt.error, tt.dynamic, tt.want)
			case strings.HasPrefix(tt.want, "~"):
				if !strings.Contains(err.Error(), tt.want[1:]) {
					t.Errorf("error %q does not contain %q", err, tt.want[1:])
				}
			case err.Error() != tt.want:
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if !IsValidationError(err) {
				t.Errorf("error %v is not a *ValidationError", err)
			}
		})
	}
}

func TestValidatePrefixes_SyntaxErrorUnwraps(t *testing.T) {
	err := ValidatePrefixes("!{nope:x}", "", false)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v does not wrap a *SyntaxError", err)
	}
}

// TestValidatePrefixes_ObservedTexts pins the two messages copied from the
// real service, typo included.
func TestValidatePrefixes_ObservedTexts(t *testing.T) {
	if got := ValidatePrefixes("!{timestamp:yyyy}", "", false).Error(); got !=
		"Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions" {
		t.Errorf("rule 1 text = %q", got)
	}
	if got := ValidatePrefixes("!{partitionKeyFromQuery:k}", "!{firehose:error-output-type}", false).Error(); got !=
		"Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled." {
		t.Errorf("partition keys text = %q", got)
	}
}

func TestValidateRedshiftPrefixes(t *testing.T) {
	tests := []struct {
		prefix, error, want string
	}{
		{"", "", ""},
		{"redshift/", "", ""},
		{"redshift/!{timestamp:yyyy}/", "", MsgRedshiftPrefixExpressions},
		{"redshift/", "errors/", MsgRedshiftErrorPrefix},
		{"redshift/!{", "", "The supplied Prefix is not valid: at offset 9: the sequence !{ does not start a well-formed !{namespace:value} expression (no closing })"},
	}
	for _, tt := range tests {
		err := ValidateRedshiftPrefixes(tt.prefix, tt.error)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("ValidateRedshiftPrefixes(%q, %q) = %q, want %q", tt.prefix, tt.error, got, tt.want)
		}
	}
}

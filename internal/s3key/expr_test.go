package s3key

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse_Valid(t *testing.T) {
	tests := []struct {
		prefix    string
		hasExpr   bool
		exprs     []Expression
		fromQuery []string
		fromLamda []string
	}{
		{prefix: ""},
		{prefix: "logs/"},
		// '!' and '{' on their own, and a stray '}', are literal text.
		{prefix: "a!b{c}d!/{x}"},
		{prefix: "!"},
		{
			prefix:  "year=!{timestamp:yyyy}/!{firehose:random-string}/",
			hasExpr: true,
			exprs:   []Expression{{NamespaceTimestamp, "yyyy"}, {NamespaceFirehose, FirehoseRandomString}},
		},
		{
			prefix:  "err/!{firehose:error-output-type}/!{timestamp:'y='yyyy}",
			hasExpr: true,
			exprs:   []Expression{{NamespaceFirehose, FirehoseErrorOutputType}, {NamespaceTimestamp, "'y='yyyy"}},
		},
		{
			prefix:  "c=!{partitionKeyFromQuery:customer}/d=!{partitionKeyFromLambda:device}/c2=!{partitionKeyFromQuery:customer}/",
			hasExpr: true,
			exprs: []Expression{
				{NamespacePartitionKeyFromQuery, "customer"}, {NamespacePartitionKeyFromLambda, "device"},
				{NamespacePartitionKeyFromQuery, "customer"},
			},
			fromQuery: []string{"customer"},
			fromLamda: []string{"device"},
		},
		// The value may hold ':' (only the first one ends the namespace).
		{prefix: "!{timestamp:HH:mm}", hasExpr: true, exprs: []Expression{{NamespaceTimestamp, "HH:mm"}}},
		// A '}' after a complete expression is literal.
		{prefix: "!{firehose:random-string}}", hasExpr: true, exprs: []Expression{{NamespaceFirehose, FirehoseRandomString}}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			tpl, err := Parse(tt.prefix)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tpl.String() != tt.prefix {
				t.Errorf("String() = %q", tpl.String())
			}
			if got := tpl.HasExpressions(); got != tt.hasExpr {
				t.Errorf("HasExpressions() = %v, want %v", got, tt.hasExpr)
			}
			if got := tpl.Expressions(); !reflect.DeepEqual(got, tt.exprs) {
				t.Errorf("Expressions() = %v, want %v", got, tt.exprs)
			}
			q, l := tpl.PartitionKeys()
			if !reflect.DeepEqual(q, tt.fromQuery) || !reflect.DeepEqual(l, tt.fromLamda) {
				t.Errorf("PartitionKeys() = %v, %v; want %v, %v", q, l, tt.fromQuery, tt.fromLamda)
			}
		})
	}
}

func TestParse_Invalid(t *testing.T) {
	tests := []struct {
		prefix  string
		offset  int
		message string // a fragment of the error
	}{
		{"!{", 0, "no closing }"},
		{"logs/!{timestamp:yyyy", 5, "no closing }"},
		{"a/!{timestamp}", 2, "not of the form !{namespace:value}"},
		{"!{:yyyy}", 0, `unknown namespace ""`},
		{"!{timestamp:}", 0, "empty value"},
		{"!{partitionKeyFromQuery:}", 0, "empty value"},
		{"x!{unknown:x}", 1, `unknown namespace "unknown"`},
		{"!{Timestamp:yyyy}", 0, `unknown namespace "Timestamp"`},
		{"!{ timestamp:yyyy}", 0, `unknown namespace " timestamp"`},
		{"!{firehose:random}", 0, `unknown firehose value "random"`},
		{"!{firehose:Random-String}", 0, `unknown firehose value`},
		{"!{timestamp:yyyy}/!{timestamp:qqq}", 18, "Unknown pattern letter: q"},
		{"!{timestamp:MMMMMM}", 0, "Too many pattern letters: M"},
		{"!{timestamp:yyyy{}", 0, "reserved character: '{'"},
		// The expression ends at the first '}', so a quoted '}' leaves an
		// unterminated literal.
		{"!{timestamp:'}'}", 0, "incomplete string literal"},
		// '!{' inside an expression's value is not a nested expression.
		{"!{timestamp:!{timestamp:yyyy}}", 0, "reserved character: '{'"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			_, err := Parse(tt.prefix)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v, want a *SyntaxError", err)
			}
			if se.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d", se.Offset, tt.offset)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not mention %q", err, tt.message)
			}
		})
	}
}

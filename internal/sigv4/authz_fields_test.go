package sigv4

import (
	"slices"
	"strings"
	"testing"
)

// FuzzAuthFields checks authFields against the strings.FieldsFunc split it
// replaces.
func FuzzAuthFields(f *testing.F) {
	f.Add("Credential=AKID/20150830/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa0")
	f.Add(" ,\t,a b,,c\t")
	f.Add("é,\xff ,x")
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		got := slices.Collect(authFields(s))
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !slices.Equal(got, want) {
			t.Fatalf("authFields(%q) = %q, want %q", s, got, want)
		}
	})
}

package apishape

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestValidationErrorMessage(t *testing.T) {
	p1 := "Value '' at 'deliveryStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1"
	p2 := "Value null at 'records' failed to satisfy constraint: Member must not be null"
	tests := []struct {
		problems []string
		want     string
	}{
		{[]string{p1}, "1 validation error detected: " + p1},
		{[]string{p1, p2}, "2 validation errors detected: " + p1 + "; " + p2},
		{[]string{p1, p2, p1}, "3 validation errors detected: " + p1 + "; " + p2 + "; " + p1},
	}
	for _, tt := range tests {
		if got := (&ValidationError{Problems: tt.problems}).Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

func TestValidatorNoProblems(t *testing.T) {
	var v Validator
	v.Required("a", true, false)
	v.StringLength("a", "abc", false, 1, 3)
	v.IntMin("n", 0, false, 0)
	if err := v.Err(); err != nil {
		t.Fatalf("Err() = %v, want nil (an untyped nil, so err == nil holds)", err)
	}
	if v.Failed() {
		t.Fatal("Failed() = true")
	}
}

// problems runs f on a fresh validator and returns its problems.
func problems(t *testing.T, f func(v *Validator)) []string {
	t.Helper()
	var v Validator
	f(&v)
	err := v.Err()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Err() is %T, want *ValidationError", err)
	}
	return ve.Problems
}

func TestValidatorChecks(t *testing.T) {
	pat := RegexpPattern(`[a-z]+`, `^(?:[a-z]+)$`)
	tests := []struct {
		name string
		run  func(v *Validator)
		want []string
	}{
		{
			name: "required missing",
			run:  func(v *Validator) { v.Required("deliveryStreamName", false, false) },
			want: []string{"Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"},
		},
		{
			name: "required missing sensitive",
			run:  func(v *Validator) { v.Required("plaintext", false, true) },
			want: []string{"Value at 'plaintext' failed to satisfy constraint: Member must not be null"},
		},
		{
			name: "string too short",
			run:  func(v *Validator) { v.StringLength("name", "", false, 1, 64) },
			want: []string{"Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		},
		{
			name: "string too long",
			run:  func(v *Validator) { v.StringLength("name", "abcd", false, 1, 3) },
			want: []string{"Value 'abcd' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3"},
		},
		{
			name: "length counts code points",
			run: func(v *Validator) {
				v.StringLength("name", "ééé", false, 1, 3)  // 6 bytes, 3 code points: fine
				v.StringLength("name", "😀😀😀😀", false, 1, 3) // 16 bytes, 4 code points: too long
				v.StringLength("name", "é", false, 2, -1)   // 2 bytes, 1 code point: too short
			},
			want: []string{
				"Value '😀😀😀😀' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3",
				"Value 'é' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2",
			},
		},
		{
			name: "no max",
			run:  func(v *Validator) { v.StringLength("name", strings.Repeat("x", 100000), false, 1, -1) },
		},
		{
			name: "string value printed raw",
			run:  func(v *Validator) { v.StringPattern("name", "it's\n", false, pat) },
			want: []string{"Value 'it's\n' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"},
		},
		{
			name: "sensitive value omitted",
			run:  func(v *Validator) { v.StringPattern("url", "http://x", true, pat) },
			want: []string{"Value at 'url' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"},
		},
		{
			name: "enum",
			run:  func(v *Validator) { v.StringEnum("compressionFormat", "gzip", false, []string{"UNCOMPRESSED", "GZIP"}) },
			want: []string{"Value 'gzip' at 'compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP]"},
		},
		{
			name: "blob",
			run:  func(v *Validator) { v.BlobLength("data", make([]byte, 5), false, 0, 4) },
			want: []string{"Value 'java.nio.HeapByteBuffer[pos=0 lim=5 cap=5]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 4"},
		},
		{
			name: "sensitive blob",
			run:  func(v *Validator) { v.BlobLength("plaintext", make([]byte, 4097), true, 1, 4096) },
			want: []string{"Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		},
		{
			name: "int range",
			run: func(v *Validator) {
				v.IntMin("sizeInMBs", 0, false, 1)
				v.IntMax("sizeInMBs", 129, false, 128)
				v.IntMin("ok", 1, false, 1)
				v.IntMax("ok", 128, false, 128)
			},
			want: []string{
				"Value '0' at 'sizeInMBs' failed to satisfy constraint: Member must have value greater than or equal to 1",
				"Value '129' at 'sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128",
			},
		},
		{
			name: "float range",
			run: func(v *Validator) {
				v.FloatMax("proportion", 1.5, false, 1)
				v.FloatMin("proportion", -0.25, false, 0)
				v.FloatMin("proportion", math.NaN(), false, 0)
			},
			want: []string{
				"Value '1.5' at 'proportion' failed to satisfy constraint: Member must have value less than or equal to 1",
				"Value '-0.25' at 'proportion' failed to satisfy constraint: Member must have value greater than or equal to 0",
				"Value 'NaN' at 'proportion' failed to satisfy constraint: Member must have value greater than or equal to 0",
			},
		},
		{
			name: "list length renders lazily",
			run: func(v *Validator) {
				xs := []string{"a", "b"}
				v.Length("tagKeys", len(xs), false, 3, 50, func() string { return RenderStrings(xs) })
				v.Length("tagKeys", 0, false, 1, 50, func() string { return RenderStrings([]string{}) })
				v.Length("fine", 2, false, 1, 2, func() string { panic("rendered a valid list") })
			},
			want: []string{
				"Value '[a, b]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 3",
				"Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1",
			},
		},
		{
			name: "map keys and values",
			run: func(v *Validator) {
				m := map[string]string{"b": "2", "a": "1"}
				render := func() string { return RenderStringMap(m) }
				v.MapKeys("mappings", false, render, ConstraintMaxLength(1024), ConstraintMinLength(1))
				v.MapValues("mappings", false, render, ConstraintMaxLength(25))
			},
			want: []string{
				"Value '{a=1, b=2}' at 'mappings' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]",
				"Value '{a=1, b=2}' at 'mappings' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, tt.run)
			if strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestValidatorPaths(t *testing.T) {
	got := problems(t, func(v *Validator) {
		v.Enter("extendedS3DestinationConfiguration")
		v.Enter("processingConfiguration")
		v.Enter("processors")
		v.EnterIndex(0)
		v.Required("type", false, false)
		v.Leave()
		v.EnterIndex(1)
		v.Enter("parameters")
		v.EnterIndex(2)
		v.StringLength("parameterValue", "", false, 1, 5120)
		v.Leave()
		v.Leave()
		v.Leave()
		v.Leave()
		v.Leave()
		v.Leave()
		v.Enter("tagKeys")
		v.EnterIndex(9)
		v.StringLength("", "", false, 1, 128) // a list element's own path
		v.Leave()
		v.Leave()
		v.Required("deliveryStreamName", false, false)
	})
	want := []string{
		"Value null at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.type' failed to satisfy constraint: Member must not be null",
		"Value '' at 'extendedS3DestinationConfiguration.processingConfiguration.processors.2.member.parameters.3.member.parameterValue' failed to satisfy constraint: Member must have length greater than or equal to 1",
		"Value '' at 'tagKeys.10.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
		"Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestPredicates(t *testing.T) {
	if !StringLengthOK("abc", 1, 3) || StringLengthOK("", 1, 3) || StringLengthOK("abcd", 1, 3) || !StringLengthOK("abcd", 0, -1) {
		t.Error("StringLengthOK")
	}
	if !EnumOK("GZIP", []string{"UNCOMPRESSED", "GZIP"}) || EnumOK("gzip", []string{"GZIP"}) {
		t.Error("EnumOK")
	}
	p := FuncPattern("x", func(s string) bool { return s == "x" })
	if p.Text() != "x" || !p.Match("x") || p.Match("y") {
		t.Error("FuncPattern")
	}
	if got := ConstraintPattern(p); got != "Member must satisfy regular expression pattern: x" {
		t.Errorf("ConstraintPattern = %q", got)
	}
}

func TestPtrDeref(t *testing.T) {
	p := Ptr[int32](5)
	if *p != 5 || Deref(p) != 5 || Deref[int32](nil) != 0 || Deref[string](nil) != "" {
		t.Error("Ptr/Deref")
	}
}

package apishape

import (
	"regexp"
	"testing"
)

// Patterns as the generator writes them, from the Firehose and KMS models:
// the first ones take the byte-table path, the last ones must not.
var classRunPatterns = []struct {
	re    string
	table bool
}{
	{`^(?:[a-zA-Z0-9_.-]+)$`, true},
	{`^(?:[0-9]+)$`, true},
	{`^(?:[\.\-_/#A-Za-z0-9]*)$`, true},
	{`^(?:[^:*]*)$`, false}, // a negated class holds every non-ASCII character
	{`^(?:^[\t\n\x0B\f\r ]+$)$`, true},
	{`^(?:[0-9]{12})$`, true},
	{`^(?:^[a-zA-Z0-9:/_\t\n\x0B\f\r .-]+$)$`, true},
	{`^(?:[\w]+)$`, true},
	{`^(?:cluster-[2-7a-zA-Z]{11,16})$`, false},
	{`^(?:[\x{0020}-\x{00FF}]*)$`, false},
	{`^(?:^$|[a-zA-Z/_]+)$`, false},
	{`^(?:[\x{0001}-\x{FFFF}]*)$`, false},
	{`[a-z]+`, false}, // unanchored: it matches part of a string
	{`^(?:([a-z]+))$`, false},
	{`^(?:$[a-z]+)$`, false}, // an anchor before the class: nothing but "" could match
	{`^(?:[a-z]+^)$`, false},
}

var classRunInputs = []string{
	"", "a", "stream-1", "stream_1.x", "Stream Name", "123456789012", "12345678901", "1234567890123",
	"a/b#c", "a:b", "*", "\t\n", " ", "é", "straße", "\xff", "a\xffb", "cluster-abcdefghijk", "AbC", "a-b-c",
}

func TestClassRunAgreesWithRegexp(t *testing.T) {
	for _, p := range classRunPatterns {
		_, ok := asciiClassRun(p.re)
		if ok != p.table {
			t.Errorf("asciiClassRun(%q) took the table path = %v, want %v", p.re, ok, p.table)
		}
		checkAgreement(t, p.re, classRunInputs...)
	}
}

func checkAgreement(t *testing.T, re string, inputs ...string) {
	t.Helper()
	oracle := regexp.MustCompile(re)
	p := RegexpPattern(re, re)
	for _, s := range inputs {
		if got, want := p.Match(s), oracle.MatchString(s); got != want {
			t.Errorf("pattern %s on %q = %v, regexp says %v", re, s, got, want)
		}
	}
}

func FuzzClassRun(f *testing.F) {
	for i, s := range classRunInputs {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, s string) {
		checkAgreement(t, classRunPatterns[int(which)%len(classRunPatterns)].re, s)
	})
}

// The table against the regexp on a typical stream name.
func BenchmarkStreamNamePattern(b *testing.B) {
	const re, name = `^(?:[a-zA-Z0-9_.-]+)$`, "sluice-bench.orders_2026"
	b.Run("table", func(b *testing.B) {
		p := RegexpPattern(re, re)
		for b.Loop() {
			p.Match(name)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		p := regexp.MustCompile(re)
		for b.Loop() {
			p.MatchString(name)
		}
	})
}

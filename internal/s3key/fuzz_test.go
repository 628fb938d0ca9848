package s3key

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary prefixes to the parser, the validator and the
// namer: none may panic, and a prefix that parses must evaluate or fail with
// one of the documented errors.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "logs/", "!{", "!{}", "!{:}", "!{timestamp:yyyy}", "a!{timestamp:'x''y'}b}",
		"!{firehose:random-string}/!{firehose:error-output-type}",
		"!{partitionKeyFromQuery:k}/!{partitionKeyFromLambda:l}/", "!{timestamp:[yyyy]]}",
		"!!{{timestamp:y}}", "!{timestamp:GGGGG uuuuu YYYY ww DDD EEEE a hh KK kk SSSSSSSSS XXXXX xxxxx ZZZZ}",
	} {
		f.Add(seed)
	}
	at := time.Date(2024, 1, 31, 10, 5, 9, 123456789, time.UTC)
	keys := PartitionKeys{Query: map[string]string{"k": "v"}, Lambda: map[string]string{"l": "w"}}
	f.Fuzz(func(t *testing.T, prefix string) {
		tpl, err := Parse(prefix)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset >= len(prefix) || !strings.HasPrefix(prefix[se.Offset:], "!{") {
				t.Fatalf("Parse(%q) error %v does not point at a !{", prefix, err)
			}
			if ValidatePrefixes(prefix, "", false) == nil {
				t.Fatalf("ValidatePrefixes accepted %q, which does not parse", prefix)
			}
			return
		}
		if tpl.String() != prefix {
			t.Fatalf("String() = %q, want %q", tpl.String(), prefix)
		}
		_ = tpl.Expressions()
		_, _ = tpl.PartitionKeys()
		_ = ValidatePrefixes(prefix, prefix, true)
		_ = ValidatePrefixes("logs/", prefix, false)

		n, err := NewNamer(Config{StreamName: "s", VersionID: "1", Prefix: prefix, ErrorOutputPrefix: prefix, Random: &countingReader{}})
		if err != nil {
			return // error-output-type in Prefix or partition keys in ErrorOutputPrefix
		}
		if _, err := n.Key(Object{Time: at, UUID: testUUID, PartitionKeys: keys}); err != nil &&
			!errors.Is(err, ErrMissingPartitionKey) && !errors.Is(err, ErrPrefixTooLong) {
			t.Fatalf("Key(%q): unexpected error %v", prefix, err)
		}
		if _, err := n.ErrorKey(Object{Time: at, UUID: testUUID}, "processing-failed"); err != nil &&
			!errors.Is(err, ErrPrefixTooLong) && !errors.Is(err, ErrNoErrorPrefix) {
			t.Fatalf("ErrorKey(%q): unexpected error %v", prefix, err)
		}
	})
}

// FuzzDateFormat compiles arbitrary patterns and formats them at arbitrary
// instants and offsets, including years far outside 0000-9999: no panic.
func FuzzDateFormat(f *testing.F) {
	for _, seed := range []string{
		"yyyy/MM/dd/HH/", "'", "''", "'a''b'", "[", "]", "[[y]]", "{", "y", "uuuuuuuuuuuuuuuuuuu",
		"yy uu YY", "MMMMM LLLLL EEEEE GGGGG", "S SSSSSSSSS", "X XXXXX x xxxxx Z ZZZZ ZZZZZ", "w ww D DD DDD",
		"h hh K KK k kk H HH m mm s ss a", "é日本",
	} {
		f.Add(seed, int64(1706695509), int64(123456789), 32400)
	}
	f.Add("uuuu yyyy YYYY", int64(-62198755200), int64(0), -45000)
	f.Add("uuuuuuuuuuuuuuuuuuu", int64(1)<<60, int64(999999999), 0)
	f.Fuzz(func(t *testing.T, pattern string, sec, nsec int64, offset int) {
		df, err := compileDatePattern(pattern)
		if err != nil {
			return
		}
		at := time.Unix(sec, nsec).In(time.FixedZone("", offset%(18*3600)))
		_ = df.appendFormat(nil, at)
	})
}

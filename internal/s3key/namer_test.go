package s3key

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testUUID = "a9fa96af-e4e4-409f-bac3-1f804714faaa"

// countingReader returns 0x00, 0x01, 0x02, ... so random strings are
// predictable: the first is "00010203-04", the second "05060708-09".
type countingReader struct{ next byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}

func newTestNamer(t *testing.T, cfg Config) *Namer {
	t.Helper()
	if cfg.StreamName == "" {
		cfg.StreamName = "my-stream"
	}
	if cfg.VersionID == "" {
		cfg.VersionID = "1"
	}
	if cfg.Random == nil {
		cfg.Random = &countingReader{}
	}
	n, err := NewNamer(cfg)
	if err != nil {
		t.Fatalf("NewNamer: %v", err)
	}
	return n
}

func TestNamer_Key(t *testing.T) {
	utc := time.Date(2024, 1, 31, 10, 5, 9, 123456789, time.UTC)
	tokyo := mustLoad(t, "Asia/Tokyo")
	ny := mustLoad(t, "America/New_York")
	keys := PartitionKeys{
		Query:  map[string]string{"customer": "1234567890", "device": "mobile"},
		Lambda: map[string]string{"region": "eu"},
	}
	tests := []struct {
		name string
		cfg  Config
		at   time.Time
		want string
	}{
		{name: "default prefix", at: utc,
			want: "2024/01/31/10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "legacy prefix gets no separator", cfg: Config{Prefix: "logs"}, at: utc,
			want: "logs2024/01/31/10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "legacy prefix with slash", cfg: Config{Prefix: "logs/"}, at: utc,
			want: "logs/2024/01/31/10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "legacy prefix with literal braces", cfg: Config{Prefix: "a!b{c}/"}, at: utc,
			want: "a!b{c}/2024/01/31/10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "expression prefix used exactly", cfg: Config{Prefix: "year=!{timestamp:yyyy}"}, at: utc,
			want: "year=2024my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "docs example", at: utc,
			cfg:  Config{Prefix: "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"},
			want: "myPrefix/year=2024/month=01/day=31/hour=10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "quoted pattern", cfg: Config{Prefix: "!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/"}, at: utc,
			want: "year=2024/month=01/day=31/hour=10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "random strings are fresh", cfg: Config{Prefix: "r=!{firehose:random-string}/!{firehose:random-string}/"}, at: utc,
			want: "r=00010203-04/05060708-09/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "partition keys", at: utc,
			cfg: Config{Prefix: "customer_id=!{partitionKeyFromQuery:customer}/device=!{partitionKeyFromQuery:device}/" +
				"r=!{partitionKeyFromLambda:region}/!{timestamp:yyyy}/"},
			want: "customer_id=1234567890/device=mobile/r=eu/2024/my-stream-1-2024-01-31-10-05-09-" + testUUID},
		{name: "extension", cfg: Config{Extension: ".gz"}, at: utc,
			want: "2024/01/31/10/my-stream-1-2024-01-31-10-05-09-" + testUUID + ".gz"},
		{name: "version", cfg: Config{VersionID: "17", StreamName: "s"}, at: utc,
			want: "2024/01/31/10/s-17-2024-01-31-10-05-09-" + testUUID},
		// Tokyo is UTC+9: 20:30 UTC on Jan 31 is 05:30 on Feb 1 in both the
		// prefix and the object name.
		{name: "Tokyo default prefix", cfg: Config{Location: tokyo}, at: time.Date(2024, 1, 31, 20, 30, 0, 0, time.UTC),
			want: "2024/02/01/05/my-stream-1-2024-02-01-05-30-00-" + testUUID},
		{name: "Tokyo expressions", cfg: Config{Location: tokyo, Prefix: "!{timestamp:yyyy-MM-dd'T'HHXXX}/"},
			at:   time.Date(2024, 1, 31, 20, 30, 0, 0, time.UTC),
			want: "2024-02-01T05+09:00/my-stream-1-2024-02-01-05-30-00-" + testUUID},
		// New York springs forward at 07:00 UTC on 2024-03-10 (01:59:59 EST
		// is followed by 03:00:00 EDT) and falls back at 06:00 UTC on
		// 2024-11-03 (01:30 happens twice).
		{name: "New York before spring forward", cfg: Config{Location: ny}, at: time.Date(2024, 3, 10, 6, 59, 59, 0, time.UTC),
			want: "2024/03/10/01/my-stream-1-2024-03-10-01-59-59-" + testUUID},
		{name: "New York after spring forward", cfg: Config{Location: ny}, at: time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC),
			want: "2024/03/10/03/my-stream-1-2024-03-10-03-00-00-" + testUUID},
		{name: "New York first 01:30", cfg: Config{Location: ny, Prefix: "!{timestamp:HH:mmxxx}/"}, at: time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC),
			want: "01:30-04:00/my-stream-1-2024-11-03-01-30-00-" + testUUID},
		{name: "New York second 01:30", cfg: Config{Location: ny, Prefix: "!{timestamp:HH:mmxxx}/"}, at: time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC),
			want: "01:30-05:00/my-stream-1-2024-11-03-01-30-00-" + testUUID},
		// The instant's own zone does not matter, only Location.
		{name: "instant in another zone", at: utc.In(tokyo),
			want: "2024/01/31/10/my-stream-1-2024-01-31-10-05-09-" + testUUID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNamer(t, tt.cfg)
			got, err := n.Key(Object{Time: tt.at, UUID: testUUID, PartitionKeys: keys})
			if err != nil {
				t.Fatalf("Key: %v", err)
			}
			if got != tt.want {
				t.Errorf("Key =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

// TestNamer_SameInstant checks that every timestamp expression in one prefix,
// and the object name, use the one instant given.
func TestNamer_SameInstant(t *testing.T) {
	n := newTestNamer(t, Config{Prefix: "!{timestamp:HH}/!{timestamp:mm}/!{timestamp:ss.SSS}/"})
	at := time.Date(2024, 1, 31, 23, 59, 59, 999_000_000, time.UTC)
	got, err := n.Key(Object{Time: at, UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	if want := "23/59/59.999/my-stream-1-2024-01-31-23-59-59-" + testUUID; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
}

func TestNamer_ErrorKey(t *testing.T) {
	at := time.Date(2024, 1, 31, 10, 5, 9, 0, time.UTC)
	suffix := "my-stream-1-2024-01-31-10-05-09-" + testUUID
	tests := []struct {
		name string
		cfg  Config
		typ  string
		want string
	}{
		{name: "legacy with empty prefixes", typ: ErrorOutputProcessingFailed,
			want: "processing-failed/2024/01/31/10/" + suffix},
		{name: "legacy under Prefix", cfg: Config{Prefix: "logs/"}, typ: ErrorOutputProcessingFailed,
			want: "logs/processing-failed/2024/01/31/10/" + suffix},
		{name: "legacy under Prefix without slash", cfg: Config{Prefix: "logs"}, typ: ErrorOutputFormatConversionFailed,
			want: "logsformat-conversion-failed/2024/01/31/10/" + suffix},
		{name: "static ErrorOutputPrefix", cfg: Config{Prefix: "logs/", ErrorOutputPrefix: "failed/"}, typ: ErrorOutputSplunkFailed,
			want: "failed/splunk-failed/2024/01/31/10/" + suffix},
		{name: "docs example", typ: ErrorOutputProcessingFailed,
			cfg:  Config{Prefix: "x/!{timestamp:yyyy}/", ErrorOutputPrefix: "myPrefix/result=!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}"},
			want: "myPrefix/result=processing-failed/2024/01/31" + suffix},
		{name: "every error-output-type identical", typ: ErrorOutputHTTPEndpointFailed,
			cfg:  Config{Prefix: "x/!{timestamp:yyyy}/", ErrorOutputPrefix: "!{firehose:error-output-type}/!{firehose:random-string}/!{firehose:error-output-type}/"},
			want: "http-endpoint-failed/00010203-04/http-endpoint-failed/" + suffix},
		{name: "extension", cfg: Config{Extension: ".snappy"}, typ: ErrorOutputProcessingFailed,
			want: "processing-failed/2024/01/31/10/" + suffix + ".snappy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNamer(t, tt.cfg)
			got, err := n.ErrorKey(Object{Time: at, UUID: testUUID}, tt.typ)
			if err != nil {
				t.Fatalf("ErrorKey: %v", err)
			}
			if got != tt.want {
				t.Errorf("ErrorKey =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestNamer_Errors(t *testing.T) {
	at := time.Date(2024, 1, 31, 10, 5, 9, 0, time.UTC)
	t.Run("missing partition key", func(t *testing.T) {
		n := newTestNamer(t, Config{Prefix: "!{partitionKeyFromQuery:a}/!{partitionKeyFromLambda:b}/", ErrorOutputPrefix: "!{firehose:error-output-type}"})
		for _, keys := range []PartitionKeys{
			{},
			{Query: map[string]string{"a": "1"}},
			{Query: map[string]string{"a": "1", "b": "2"}}, // b comes from Lambda, not the query
		} {
			if _, err := n.Key(Object{Time: at, UUID: testUUID, PartitionKeys: keys}); !errors.Is(err, ErrMissingPartitionKey) {
				t.Errorf("keys %v: error %v, want ErrMissingPartitionKey", keys, err)
			}
		}
		got, err := n.Key(Object{Time: at, UUID: testUUID, PartitionKeys: PartitionKeys{
			Query: map[string]string{"a": "1"}, Lambda: map[string]string{"b": "2"}}})
		if err != nil || !strings.HasPrefix(got, "1/2/my-stream-") {
			t.Errorf("Key = %q, %v", got, err)
		}
	})
	t.Run("no error location", func(t *testing.T) {
		n := newTestNamer(t, Config{Prefix: "!{timestamp:yyyy}/"})
		if _, err := n.ErrorKey(Object{Time: at, UUID: testUUID}, ErrorOutputProcessingFailed); !errors.Is(err, ErrNoErrorPrefix) {
			t.Errorf("error %v, want ErrNoErrorPrefix", err)
		}
	})
	t.Run("empty error-output-type", func(t *testing.T) {
		n := newTestNamer(t, Config{})
		if _, err := n.ErrorKey(Object{Time: at, UUID: testUUID}, ""); err == nil {
			t.Error("ErrorKey with an empty type succeeded")
		}
	})
	t.Run("bad UUID", func(t *testing.T) {
		n := newTestNamer(t, Config{})
		for _, u := range []string{"", "x", "../../etc/passwd", testUUID + "0", strings.Replace(testUUID, "-", "x", 1), strings.Replace(testUUID, "a", "g", 1)} {
			if _, err := n.Key(Object{Time: at, UUID: u}); !errors.Is(err, ErrInvalidUUID) {
				t.Errorf("UUID %q: error %v, want ErrInvalidUUID", u, err)
			}
		}
		if _, err := n.Key(Object{Time: at, UUID: strings.ToUpper(testUUID)}); err != nil {
			t.Errorf("upper-case UUID: %v", err)
		}
	})
	t.Run("zero time", func(t *testing.T) {
		n := newTestNamer(t, Config{})
		if _, err := n.Key(Object{UUID: testUUID}); err == nil {
			t.Error("Key with a zero time succeeded")
		}
	})
	t.Run("random source fails", func(t *testing.T) {
		n := newTestNamer(t, Config{Prefix: "!{firehose:random-string}/", Random: bytes.NewReader([]byte{1, 2})})
		if _, err := n.Key(Object{Time: at, UUID: testUUID}); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("error %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

func TestNewNamer_Rejects(t *testing.T) {
	for _, cfg := range []Config{
		{Prefix: "!{"},
		{ErrorOutputPrefix: "!{bad:x}"},
		{Prefix: "!{firehose:error-output-type}/", ErrorOutputPrefix: "!{firehose:error-output-type}"},
		{Prefix: "!{partitionKeyFromQuery:a}/", ErrorOutputPrefix: "!{firehose:error-output-type}/!{partitionKeyFromQuery:a}"},
	} {
		if _, err := NewNamer(cfg); err == nil {
			t.Errorf("NewNamer(%+v) succeeded", cfg)
		}
	}
}

// TestNamer_PrefixLimit checks the 512-character limit on the evaluated
// prefix, counted in Java characters (UTF-16 code units).
func TestNamer_PrefixLimit(t *testing.T) {
	at := time.Date(2024, 1, 31, 10, 5, 9, 0, time.UTC)
	datePath := len("2024/01/31/10/")
	tests := []struct {
		name   string
		prefix string
		ok     bool
	}{
		{"legacy at the limit", strings.Repeat("a", MaxPrefixLength-datePath), true},
		{"legacy over the limit", strings.Repeat("a", MaxPrefixLength-datePath+1), false},
		{"expression at the limit", strings.Repeat("b", MaxPrefixLength-4) + "!{timestamp:yyyy}", true},
		{"expression over the limit", strings.Repeat("b", MaxPrefixLength-3) + "!{timestamp:yyyy}", false},
		// é is one Java character (two UTF-8 bytes); 😀 is two (a surrogate pair).
		{"two-byte runes count once", strings.Repeat("é", MaxPrefixLength-datePath), true},
		{"astral runes count twice", strings.Repeat("😀", (MaxPrefixLength-datePath)/2) + "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNamer(t, Config{Prefix: tt.prefix, ErrorOutputPrefix: "!{firehose:error-output-type}"})
			_, err := n.Key(Object{Time: at, UUID: testUUID})
			if tt.ok && err != nil {
				t.Errorf("Key: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrPrefixTooLong) {
				t.Errorf("Key error %v, want ErrPrefixTooLong", err)
			}
		})
	}
	t.Run("error prefix", func(t *testing.T) {
		n := newTestNamer(t, Config{ErrorOutputPrefix: strings.Repeat("e", MaxPrefixLength) + "!{firehose:error-output-type}"})
		if _, err := n.ErrorKey(Object{Time: at, UUID: testUUID}, "x"); !errors.Is(err, ErrPrefixTooLong) {
			t.Errorf("ErrorKey error %v, want ErrPrefixTooLong", err)
		}
	})
}

func TestNamer_RandomStringShape(t *testing.T) {
	// The default source is crypto/rand: check the shape, and that values differ.
	n, err := NewNamer(Config{StreamName: "s", VersionID: "1", Prefix: "!{firehose:random-string}/", ErrorOutputPrefix: "!{firehose:error-output-type}"})
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{2})/s-1-`)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		key, err := n.Key(Object{Time: time.Unix(0, 0), UUID: testUUID})
		if err != nil {
			t.Fatal(err)
		}
		m := shape.FindStringSubmatch(key)
		if m == nil {
			t.Fatalf("key %q: random string not of the form xxxxxxxx-xx", key)
		}
		if len(m[1]) != 11 {
			t.Fatalf("random string %q is not 11 characters", m[1])
		}
		seen[m[1]] = true
	}
	if len(seen) < 45 {
		t.Errorf("only %d distinct random strings in 50", len(seen))
	}
}

func TestUUIDFromSeed(t *testing.T) {
	canonicalV4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a := UUIDFromSeed([]byte("my-stream/1/000000042"))
	if a != UUIDFromSeed([]byte("my-stream/1/000000042")) {
		t.Error("same seed gave different UUIDs")
	}
	if !canonicalV4.MatchString(a) {
		t.Errorf("UUID %q is not version-4 shaped", a)
	}
	// sha256("") starts e3b0c442 98fc 1c14 9afb f4c8 996f b924...: the version
	// nibble becomes 4 and the variant bits 10.
	if got, want := UUIDFromSeed(nil), "e3b0c442-98fc-4c14-9afb-f4c8996fb924"; got != want {
		t.Errorf("UUIDFromSeed(nil) = %q, want %q", got, want)
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		u := UUIDFromSeed([]byte{byte(i), byte(i >> 8)})
		if !canonicalV4.MatchString(u) {
			t.Fatalf("UUID %q is not version-4 shaped", u)
		}
		seen[u] = true
	}
	if len(seen) != 1000 {
		t.Errorf("%d distinct UUIDs from 1000 seeds", len(seen))
	}
	r, err := NewUUID(nil)
	if err != nil || !canonicalV4.MatchString(r) {
		t.Errorf("NewUUID = %q, %v", r, err)
	}
	if _, err := NewUUID(bytes.NewReader(nil)); err == nil {
		t.Error("NewUUID from an empty reader succeeded")
	}
}

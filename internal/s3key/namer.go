package s3key

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// MaxPrefixLength is the longest evaluated Prefix or ErrorOutputPrefix
// Firehose accepts, in Java characters (UTF-16 code units).
const MaxPrefixLength = 512

// defaultDatePath is what Firehose appends to a prefix without expressions,
// and the whole prefix when none is configured.
const defaultDatePath = "yyyy/MM/dd/HH/"

// suffixLayout is the date-time part of the object name, in Go layout form.
const suffixLayout = "2006-01-02-15-04-05"

// randomStringBytes random bytes give the 11 characters of
// !{firehose:random-string}, shaped like the start of a UUID ("046b6c7f-0b").
const randomStringBytes = 5

// Errors returned by Namer when a key cannot be built. The runner routes the
// affected records to the error output (dynamic partitioning) rather than
// retrying, since a retry would fail the same way.
var (
	ErrMissingPartitionKey = errors.New("s3key: partition key missing")
	ErrPrefixTooLong       = errors.New("s3key: evaluated prefix longer than 512 characters")
	ErrNoErrorPrefix       = errors.New("s3key: no error output location: Prefix has expressions and ErrorOutputPrefix is empty")
	ErrInvalidUUID         = errors.New("s3key: object UUID is not a canonical UUID string")
)

// Config is the per-destination, per-version configuration of a Namer.
type Config struct {
	StreamName        string
	VersionID         string // the delivery stream's VersionId, e.g. "1"
	Prefix            string
	ErrorOutputPrefix string
	// Location is the CustomTimeZone; nil means UTC. It applies to the prefix
	// and to the date-time in the object name.
	Location *time.Location
	// Extension is appended to every key: FileExtension when configured,
	// otherwise compression.Extension of the CompressionFormat (or ".parquet"
	// / ".orc" with format conversion). Empty for none.
	Extension string
	// Random feeds !{firehose:random-string}; nil means crypto/rand. Tests
	// inject a deterministic reader. The Namer is safe for concurrent use if
	// Random is.
	Random io.Reader
}

// PartitionKeys are the dynamic partitioning keys of one object's records.
type PartitionKeys struct {
	Query  map[string]string // from the MetadataExtraction jq query
	Lambda map[string]string // from the Lambda's metadata.partitionKeys
}

// Object identifies one object to name.
type Object struct {
	// Time is the approximate arrival time of the oldest record in the object.
	// Every timestamp in the key uses this instant.
	Time time.Time
	// UUID is the last part of the name. Derive it from the batch identity
	// with UUIDFromSeed so a retried delivery overwrites the same object, or
	// draw it with NewUUID.
	UUID string
	// PartitionKeys feed partitionKeyFrom* expressions (success keys only).
	PartitionKeys PartitionKeys
}

// Namer builds object keys for one destination configuration.
type Namer struct {
	stream    string
	version   string
	ext       string
	loc       *time.Location
	random    io.Reader
	prefix    *Template // what Key evaluates, legacy date path included
	errPrefix *Template // what ErrorKey evaluates; nil when there is none
}

// NewNamer parses the prefixes. It rejects what cannot be evaluated at all
// (malformed expressions, error-output-type in Prefix, partition keys in
// ErrorOutputPrefix); the other rules are ValidatePrefixes' job at create time.
func NewNamer(cfg Config) (*Namer, error) {
	n := &Namer{
		stream:  cfg.StreamName,
		version: cfg.VersionID,
		ext:     cfg.Extension,
		loc:     cfg.Location,
		random:  cfg.Random,
	}
	if n.loc == nil {
		n.loc = time.UTC
	}
	if n.random == nil {
		n.random = rand.Reader
	}
	p, err := Parse(cfg.Prefix)
	if err != nil {
		return nil, fmt.Errorf("s3key: prefix %q: %w", cfg.Prefix, err)
	}
	if p.has(segErrorOutputType) {
		return nil, fmt.Errorf("s3key: prefix %q: !{firehose:error-output-type} is only valid in ErrorOutputPrefix", cfg.Prefix)
	}
	e, err := Parse(cfg.ErrorOutputPrefix)
	if err != nil {
		return nil, fmt.Errorf("s3key: error output prefix %q: %w", cfg.ErrorOutputPrefix, err)
	}
	if e.has(segPartitionKeyFromQuery) || e.has(segPartitionKeyFromLambda) {
		return nil, fmt.Errorf("s3key: error output prefix %q: partition keys are not valid in ErrorOutputPrefix", cfg.ErrorOutputPrefix)
	}

	datePath := segment{kind: segTimestamp, text: defaultDatePath}
	if datePath.date, err = compileDatePattern(defaultDatePath); err != nil {
		return nil, fmt.Errorf("s3key: default date path: %w", err)
	}

	// Legacy rule: a prefix without expressions gets yyyy/MM/dd/HH/ appended
	// verbatim, with no separator ("logs" gives "logs2024/01/31/10/").
	n.prefix = p
	if !p.HasExpressions() {
		n.prefix = &Template{raw: cfg.Prefix, segs: append(append([]segment(nil), p.segs...), datePath)}
	}

	// Error location: ErrorOutputPrefix as evaluated when it has expressions.
	// Otherwise the legacy form <base><error-output-type>/yyyy/MM/dd/HH/, whose
	// base is ErrorOutputPrefix if set and else Prefix (spec §4.4 [choice]:
	// the type always appears so failure kinds never share a folder).
	switch {
	case e.HasExpressions():
		n.errPrefix = e
	case cfg.ErrorOutputPrefix != "" || !p.HasExpressions():
		base := cfg.ErrorOutputPrefix
		if base == "" {
			base = cfg.Prefix
		}
		segs := []segment{{kind: segErrorOutputType, text: FirehoseErrorOutputType}, {kind: segLiteral, text: "/"}, datePath}
		if base != "" {
			segs = append([]segment{{kind: segLiteral, text: base}}, segs...)
		}
		n.errPrefix = &Template{raw: cfg.ErrorOutputPrefix, segs: segs}
	}
	return n, nil
}

// Key returns the key of a delivered object:
// <evaluated Prefix><stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>.
func (n *Namer) Key(o Object) (string, error) {
	return n.build(n.prefix, o, "")
}

// ErrorKey returns the key of an object of failed records of the given
// error-output-type (e.g. ErrorOutputProcessingFailed). Partition keys are not
// used: they are not allowed in ErrorOutputPrefix.
func (n *Namer) ErrorKey(o Object, errorOutputType string) (string, error) {
	if n.errPrefix == nil {
		return "", ErrNoErrorPrefix
	}
	if errorOutputType == "" {
		return "", errors.New("s3key: error key needs an error-output-type")
	}
	return n.build(n.errPrefix, o, errorOutputType)
}

func (n *Namer) build(t *Template, o Object, errorOutputType string) (string, error) {
	if !isCanonicalUUID(o.UUID) {
		return "", fmt.Errorf("%w: %q", ErrInvalidUUID, o.UUID)
	}
	if o.Time.IsZero() {
		// Year 1 in a key is always a caller bug (an unset arrival time).
		return "", errors.New("s3key: object time is not set")
	}
	at := o.Time.In(n.loc)
	buf := make([]byte, 0, 128+len(t.raw)+len(n.stream))
	buf, err := n.evaluate(buf, t, at, errorOutputType, o.PartitionKeys)
	if err != nil {
		return "", err
	}
	if l := javaLength(buf); l > MaxPrefixLength {
		return "", fmt.Errorf("%w: %d characters", ErrPrefixTooLong, l)
	}
	buf = append(buf, n.stream...)
	buf = append(buf, '-')
	buf = append(buf, n.version...)
	buf = append(buf, '-')
	buf = at.AppendFormat(buf, suffixLayout)
	buf = append(buf, '-')
	buf = append(buf, o.UUID...)
	buf = append(buf, n.ext...)
	return string(buf), nil
}

// evaluate appends the evaluated template. All timestamps use the same
// instant; every random-string is drawn afresh; every error-output-type is the
// same value.
func (n *Namer) evaluate(dst []byte, t *Template, at time.Time, errorOutputType string, keys PartitionKeys) ([]byte, error) {
	for i := range t.segs {
		s := &t.segs[i]
		switch s.kind {
		case segLiteral:
			dst = append(dst, s.text...)
		case segTimestamp:
			dst = s.date.appendFormat(dst, at)
		case segRandomString:
			var err error
			if dst, err = appendRandomString(dst, n.random); err != nil {
				return nil, err
			}
		case segErrorOutputType:
			dst = append(dst, errorOutputType...)
		case segPartitionKeyFromQuery, segPartitionKeyFromLambda:
			m := keys.Query
			if s.kind == segPartitionKeyFromLambda {
				m = keys.Lambda
			}
			v, ok := m[s.text]
			if !ok {
				return nil, fmt.Errorf("%w: !{%s:%s}", ErrMissingPartitionKey, s.kind.namespace(), s.text)
			}
			dst = append(dst, v...)
		}
	}
	return dst, nil
}

// appendRandomString appends 11 random characters in the shape Firehose's
// documentation shows: the first 11 characters of a UUID ("046b6c7f-0b").
func appendRandomString(dst []byte, r io.Reader) ([]byte, error) {
	var b [randomStringBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("s3key: random-string: %w", err)
	}
	var h [2 * randomStringBytes]byte
	hex.Encode(h[:], b[:])
	dst = append(dst, h[:8]...)
	dst = append(dst, '-')
	return append(dst, h[8:]...), nil
}

// javaLength counts characters the way Java's String.length does (UTF-16
// code units), since that is how Firehose measures the 512 limit.
func javaLength(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		n++
		if r > 0xFFFF {
			n++ // a surrogate pair
		}
	}
	return n
}

// UUIDFromSeed derives a version-4-shaped UUID from a hash of seed. The same
// seed always gives the same UUID, so a batch identified by (stream, version,
// first sequence) keeps its object key across retries. The version and
// variant bits are set so the string passes any UUID parser; it is not random.
func UUIDFromSeed(seed []byte) string {
	sum := sha256.Sum256(seed)
	return formatUUID(sum[:16])
}

// NewUUID returns a random version 4 UUID read from r (crypto/rand when nil).
func NewUUID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("s3key: new uuid: %w", err)
	}
	return formatUUID(b[:]), nil
}

func formatUUID(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], u[10:16])
	return string(s[:])
}

// isCanonicalUUID checks the 8-4-4-4-12 hexadecimal shape, so a caller bug
// (an empty or path-like value) cannot produce a strange key.
func isCanonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

package s3key

import (
	"fmt"
	"strings"
)

// The namespaces and firehose values of the prefix expression language
// (spec §4.4). They are case-sensitive, as on Firehose.
const (
	NamespaceTimestamp              = "timestamp"
	NamespaceFirehose               = "firehose"
	NamespacePartitionKeyFromQuery  = "partitionKeyFromQuery"
	NamespacePartitionKeyFromLambda = "partitionKeyFromLambda"

	FirehoseRandomString    = "random-string"
	FirehoseErrorOutputType = "error-output-type"
)

// The error-output-type values Firehose documents. The caller picks one per
// failed batch; any non-empty string is accepted.
const (
	ErrorOutputProcessingFailed       = "processing-failed"
	ErrorOutputOpenSearchFailed       = "AmazonOpenSearchService-failed"
	ErrorOutputElasticsearchFailed    = "elasticsearch-failed"
	ErrorOutputSplunkFailed           = "splunk-failed"
	ErrorOutputFormatConversionFailed = "format-conversion-failed"
	ErrorOutputHTTPEndpointFailed     = "http-endpoint-failed"
	ErrorOutputDecompressionFailed    = "decompression-failed"
)

// segmentKind says what one piece of a parsed prefix evaluates to.
type segmentKind uint8

const (
	segLiteral segmentKind = iota
	segTimestamp
	segRandomString
	segErrorOutputType
	segPartitionKeyFromQuery
	segPartitionKeyFromLambda
)

// segment is literal text or one `!{namespace:value}` expression.
type segment struct {
	kind segmentKind
	text string      // the literal text, or the expression's value
	date *dateFormat // segTimestamp only
}

// Expression is one `!{namespace:value}` occurrence in a prefix.
type Expression struct {
	Namespace string
	Value     string
}

// String returns the expression as written.
func (e Expression) String() string {
	return "!{" + e.Namespace + ":" + e.Value + "}"
}

// Template is a parsed Prefix or ErrorOutputPrefix. It is immutable and safe
// for concurrent use. Parse once (when the stream configuration is loaded) and
// evaluate per object.
type Template struct {
	raw  string
	segs []segment
}

// SyntaxError reports a malformed prefix: a `!{` that does not start a
// well-formed expression, an unknown namespace or firehose value, or a
// timestamp pattern Java would reject.
type SyntaxError struct {
	Offset int    // byte offset of the offending `!{` in the prefix
	Msg    string // what is wrong, without the prefix itself
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg)
}

// Parse parses a prefix. The empty string parses to an empty Template.
//
// An expression runs from `!{` to the first `}`; its namespace ends at the
// first `:`. A `!` or `{` on its own is literal text, but `!{` is only valid
// as the start of an expression (Firehose rejects it anywhere else).
func Parse(prefix string) (*Template, error) {
	t := &Template{raw: prefix}
	rest, off := prefix, 0
	for {
		i := strings.Index(rest, "!{")
		if i < 0 {
			t.appendLiteral(rest)
			return t, nil
		}
		t.appendLiteral(rest[:i])
		off += i
		body := rest[i+2:]
		end := strings.IndexByte(body, '}')
		if end < 0 {
			return nil, &SyntaxError{Offset: off, Msg: "the sequence !{ does not start a well-formed !{namespace:value} expression (no closing })"}
		}
		seg, err := parseExpression(body[:end])
		if err != nil {
			return nil, &SyntaxError{Offset: off, Msg: err.Error()}
		}
		t.segs = append(t.segs, seg)
		rest = body[end+1:]
		off += 2 + end + 1
	}
}

func (t *Template) appendLiteral(s string) {
	if s != "" {
		t.segs = append(t.segs, segment{kind: segLiteral, text: s})
	}
}

// parseExpression parses the inside of `!{...}`.
func parseExpression(body string) (segment, error) {
	ns, value, ok := strings.Cut(body, ":")
	expr := "!{" + body + "}"
	if !ok {
		return segment{}, fmt.Errorf("expression %s is not of the form !{namespace:value}", expr)
	}
	if value == "" {
		return segment{}, fmt.Errorf("expression %s has an empty value", expr)
	}
	switch ns {
	case NamespaceTimestamp:
		f, err := compileDatePattern(value)
		if err != nil {
			return segment{}, fmt.Errorf("expression %s has an invalid DateTimeFormatter pattern: %w", expr, err)
		}
		return segment{kind: segTimestamp, text: value, date: f}, nil
	case NamespaceFirehose:
		switch value {
		case FirehoseRandomString:
			return segment{kind: segRandomString, text: value}, nil
		case FirehoseErrorOutputType:
			return segment{kind: segErrorOutputType, text: value}, nil
		}
		return segment{}, fmt.Errorf("expression %s uses an unknown firehose value %q; the values are %s and %s",
			expr, value, FirehoseRandomString, FirehoseErrorOutputType)
	case NamespacePartitionKeyFromQuery:
		return segment{kind: segPartitionKeyFromQuery, text: value}, nil
	case NamespacePartitionKeyFromLambda:
		return segment{kind: segPartitionKeyFromLambda, text: value}, nil
	}
	return segment{}, fmt.Errorf("expression %s uses an unknown namespace %q; the namespaces are %s, %s, %s and %s",
		expr, ns, NamespaceTimestamp, NamespaceFirehose, NamespacePartitionKeyFromQuery, NamespacePartitionKeyFromLambda)
}

// String returns the prefix as written.
func (t *Template) String() string { return t.raw }

// HasExpressions reports whether the prefix holds at least one expression.
// A prefix without expressions gets the legacy `yyyy/MM/dd/HH/` appended.
func (t *Template) HasExpressions() bool {
	for i := range t.segs {
		if t.segs[i].kind != segLiteral {
			return true
		}
	}
	return false
}

// Expressions returns the expressions in order of appearance.
func (t *Template) Expressions() []Expression {
	var out []Expression
	for _, s := range t.segs {
		if s.kind != segLiteral {
			out = append(out, Expression{Namespace: s.kind.namespace(), Value: s.text})
		}
	}
	return out
}

// PartitionKeys returns the partition key names the prefix refers to, per
// namespace, in order of first appearance. The delivery runner groups records
// by the values of these keys.
func (t *Template) PartitionKeys() (fromQuery, fromLambda []string) {
	type key struct {
		kind segmentKind
		name string
	}
	seen := map[key]bool{}
	for _, s := range t.segs {
		k := key{s.kind, s.text}
		if seen[k] {
			continue
		}
		seen[k] = true
		switch s.kind {
		case segPartitionKeyFromQuery:
			fromQuery = append(fromQuery, s.text)
		case segPartitionKeyFromLambda:
			fromLambda = append(fromLambda, s.text)
		}
	}
	return fromQuery, fromLambda
}

func (t *Template) has(kind segmentKind) bool {
	for i := range t.segs {
		if t.segs[i].kind == kind {
			return true
		}
	}
	return false
}

func (k segmentKind) namespace() string {
	switch k {
	case segTimestamp:
		return NamespaceTimestamp
	case segRandomString, segErrorOutputType:
		return NamespaceFirehose
	case segPartitionKeyFromQuery:
		return NamespacePartitionKeyFromQuery
	case segPartitionKeyFromLambda:
		return NamespacePartitionKeyFromLambda
	}
	return ""
}

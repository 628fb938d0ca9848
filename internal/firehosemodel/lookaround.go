package firehosemodel

import (
	"regexp"
	"strings"
)

// Hand-written matchers for the model patterns that use Java look-arounds,
// which Go's RE2 does not support. tools/apigen routes each such pattern here
// by its exact text (see the lookarounds table in tools/apigen/main.go) and
// stops if a new one appears. Each matcher accepts exactly the strings Java's
// Pattern.matches accepts for the pattern; lookaround_test.go checks them
// against equivalent formulations.

// matchNonBlankLine implements ^(?!\s*$).+ (NonEmptyString, HttpEndpointName,
// ProcessorParameterValue, DatabaseEndpoint, ...): at least one character, no
// line terminator (Java's '.' matches none of \n \r \u0085 \u2028 \u2029),
// and not only whitespace (Java's \s is [ \t\n\x0B\f\r]).
func matchNonBlankLine(s string) bool {
	if s == "" {
		return false
	}
	blank := true
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			return false
		case ' ', '\t', '\x0B', '\f':
		default:
			blank = false
		}
	}
	return !blank
}

// clusterJDBCURL is ClusterJDBCURL's pattern with each host label
// ((?!-)[A-Za-z0-9-]{1,63}(?<!-)\. : 1 to 63 characters, not starting or
// ending with '-') spelled without look-arounds: one alphanumeric, optionally
// followed by up to 61 characters and a final alphanumeric.
var clusterJDBCURL = regexp.MustCompile(`^(?:jdbc:(redshift|postgresql)://([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+)$`)

// matchClusterJDBCURL implements the ClusterJDBCURL pattern
// jdbc:(redshift|postgresql)://((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+
func matchClusterJDBCURL(s string) bool { return clusterJDBCURL.MatchString(s) }

// tagKeyChars is TagKey's pattern without its leading (?!aws:).
var tagKeyChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`)

// matchTagKey implements TagKey's ^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$:
// the reserved "aws:" prefix (case-sensitive, as in Java) is refused by the
// model pattern itself.
func matchTagKey(s string) bool {
	return !strings.HasPrefix(s, "aws:") && tagKeyChars.MatchString(s)
}

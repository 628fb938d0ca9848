package firehosemodel

import (
	"strings"
	"testing"
)

// The expectations below are what Java's Pattern.matches answers for the
// original look-around patterns (checked with OpenJDK 17).

func TestMatchNonBlankLine(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{" ", false},
		{" \t\f\x0B", false},
		{"a", true},
		{" a ", true},
		{"a b", true},
		{"\u00a0", true}, // not in Java's \s
		{"\u3000", true}, // nor is this
		{"a\n", false},   // '.' stops at every line terminator...
		{"\na", false},
		{"a\r", false},
		{"a\u0085", false},
		{"a\u2028", false},
		{"\u2029", false},
		{"\x00", true},
		{"😀", true},
	}
	for _, tt := range tests {
		if got := matchNonBlankLine(tt.in); got != tt.want {
			t.Errorf("matchNonBlankLine(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMatchClusterJDBCURL(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	tests := []struct {
		in   string
		want bool
	}{
		{"jdbc:redshift://my-cluster.abc123.us-east-1.redshift.amazonaws.com:5439/dev", true},
		{"jdbc:postgresql://wg.123456789012.us-east-1.redshift-serverless.amazonaws.com:5439/dev", true},
		{"jdbc:redshift://a-b.c.redshift.x:12345/d_$-", true},
		{"jdbc:redshift://" + label63 + ".redshift.x:1/d", true},
		{"jdbc:redshift://" + label63 + "a.redshift.x:1/d", false}, // 64-character label
		{"jdbc:redshift://a" + strings.Repeat("-", 61) + "a.redshift.x:1/d", true},
		{"jdbc:redshift://-bad.redshift.x:1/d", false}, // label starts with '-'
		{"jdbc:redshift://bad-.redshift.x:1/d", false}, // label ends with '-'
		{"jdbc:redshift://-.redshift.x:1/d", false},
		{"jdbc:redshift://a..redshift.x:1/d", false},
		{"jdbc:redshift://redshift.x:1/d", false}, // needs a host label before redshift
		{"jdbc:redshift://x.redshift.y:123456/z", false},
		{"jdbc:mysql://x.redshift.y:1/z", false},
		{"jdbc:redshift://x.redshift.y:1/z\n", false},
	}
	for _, tt := range tests {
		if got := matchClusterJDBCURL(tt.in); got != tt.want {
			t.Errorf("matchClusterJDBCURL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMatchTagKey(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true}, // the pattern allows it; TagKey's length 1 refuses it
		{"team", true},
		{"a:b@c%d+e=f/g-h_i.j", true},
		{"tag key", true},
		{"é日本1\u0661", true},
		{"aws:", false},
		{"aws:x", false},
		{"AWS:x", true},
		{"x aws:", true},
		{"awsx", true},
		{"a#b", false},
		{"a\n", false},
	}
	for _, tt := range tests {
		if got := matchTagKey(tt.in); got != tt.want {
			t.Errorf("matchTagKey(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

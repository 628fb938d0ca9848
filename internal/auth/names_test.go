package auth

import (
	"regexp"
	"testing"
)

// The hand-written matchers must accept exactly what the patterns they
// replace accept.
var (
	accountOracle = regexp.MustCompile(`^[0-9]{12}$`)
	regionOracle  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

var nameSeeds = []string{
	"", "us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-10", "cn-north-1",
	"us-east", "us-1", "u-east-1", "USA-east-1", "us-East-1", "us--east-1", "us-east-1a", "us-east-1-",
	"us-east--1", "-us-east-1", "us-ea1st-1", "us-east-", "useast-1", "us-é-1", "us-east-١",
	"123456789012", "12345678901", "1234567890123", "12345678901a", "000000000000", "１23456789012",
}

func TestNameMatchersAgreeWithTheirPatterns(t *testing.T) {
	for _, s := range nameSeeds {
		if got, want := isRegionName(s), regionOracle.MatchString(s); got != want {
			t.Errorf("isRegionName(%q) = %v, pattern says %v", s, got, want)
		}
		if got, want := isAccountID(s), accountOracle.MatchString(s); got != want {
			t.Errorf("isAccountID(%q) = %v, pattern says %v", s, got, want)
		}
	}
}

func FuzzNameMatchers(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isRegionName(s), regionOracle.MatchString(s); got != want {
			t.Fatalf("isRegionName(%q) = %v, pattern says %v", s, got, want)
		}
		if got, want := isAccountID(s), accountOracle.MatchString(s); got != want {
			t.Fatalf("isAccountID(%q) = %v, pattern says %v", s, got, want)
		}
	})
}

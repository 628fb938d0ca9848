package main

import (
	"fmt"
	"regexp"
	"strings"
)

// The model patterns are Java regular expressions applied as full matches
// (Pattern.matches). Go's regexp is RE2, which shares most of the syntax but
// not all of it, so every pattern is translated and compiled at generation
// time; anything that cannot be translated faithfully stops the generator.

// Java character classes RE2 spells differently. Java's \s has \x0B, RE2's
// has not; Java's '.' excludes every line terminator, RE2's only \n.
const (
	javaSpaceChars = `\t\n\x0B\f\r `
	javaDotClass   = `[^\n\r\x{85}\x{2028}\x{2029}]`
)

// lookaroundMarkers are the group openers RE2 does not support.
var lookaroundMarkers = []string{"(?=", "(?!", "(?<=", "(?<!"}

// hasLookaround reports whether p uses a look-ahead or look-behind.
func hasLookaround(p string) bool {
	for _, m := range lookaroundMarkers {
		if strings.Contains(p, m) {
			return true
		}
	}
	return false
}

// translatePattern converts a Java pattern to an RE2 expression that matches
// exactly the strings Java's Pattern.matches accepts, anchored as ^(?:...)$.
func translatePattern(p string) (string, error) {
	if hasLookaround(p) {
		return "", fmt.Errorf("pattern %q uses a look-around, which RE2 lacks", p)
	}
	var out strings.Builder
	rs := []rune(p)
	inClass := false
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 >= len(rs) {
				return "", fmt.Errorf("pattern %q ends with a lone backslash", p)
			}
			i++
			e := rs[i]
			switch e {
			case 'u': // \uXXXX: RE2 spells it \x{XXXX}
				if i+4 >= len(rs) {
					return "", fmt.Errorf("pattern %q: short \\u escape", p)
				}
				hex := string(rs[i+1 : i+5])
				if !isHex(hex) {
					return "", fmt.Errorf("pattern %q: bad \\u escape %q", p, hex)
				}
				out.WriteString(`\x{` + hex + `}`)
				i += 4
			case 's':
				if inClass {
					out.WriteString(javaSpaceChars)
				} else {
					out.WriteString("[" + javaSpaceChars + "]")
				}
			case 'S':
				if inClass {
					return "", fmt.Errorf("pattern %q: \\S inside a character class is not translatable", p)
				}
				out.WriteString("[^" + javaSpaceChars + "]")
			case 'p', 'P':
				n, err := propertyLen(rs[i+1:])
				if err != nil {
					return "", fmt.Errorf("pattern %q: %w", p, err)
				}
				out.WriteRune('\\')
				out.WriteRune(e)
				out.WriteString(string(rs[i+1 : i+1+n]))
				i += n
			case 'd', 'D', 'w', 'W', 'b', 'B', 'A', 'z', 't', 'n', 'r', 'f', 'a', 'x':
				// Same meaning in both (\d and \w are ASCII-only in both).
				out.WriteRune('\\')
				out.WriteRune(e)
			default:
				if isASCIILetterOrDigit(e) {
					return "", fmt.Errorf("pattern %q: escape \\%c has no RE2 equivalent", p, e)
				}
				out.WriteRune('\\')
				out.WriteRune(e)
			}
		case inClass:
			switch {
			case c == '[':
				return "", fmt.Errorf("pattern %q: nested character classes are Java-only", p)
			case c == '&' && i+1 < len(rs) && rs[i+1] == '&':
				return "", fmt.Errorf("pattern %q: class intersection && is Java-only", p)
			case c == ']':
				inClass = false
			}
			out.WriteRune(c)
		case c == '[':
			inClass = true
			out.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '^' {
				out.WriteRune('^')
				i++
			}
			if i+1 < len(rs) && rs[i+1] == ']' {
				return "", fmt.Errorf("pattern %q: a class starting with ] parses differently in Java", p)
			}
		case c == '.':
			out.WriteString(javaDotClass)
		case c == '(':
			if i+1 < len(rs) && rs[i+1] == '?' {
				rest := string(rs[i+2:])
				if !strings.HasPrefix(rest, ":") && !(strings.HasPrefix(rest, "<") && len(rest) > 1 && isASCIILetterOrDigit([]rune(rest)[1])) {
					return "", fmt.Errorf("pattern %q: group (?%s is not translatable", p, firstRunes(rest, 2))
				}
			}
			out.WriteRune(c)
		case c == '*' || c == '+' || c == '?' || c == '}':
			if i+1 < len(rs) && rs[i+1] == '+' {
				return "", fmt.Errorf("pattern %q: possessive quantifiers are Java-only", p)
			}
			out.WriteRune(c)
		default:
			out.WriteRune(c)
		}
	}
	if inClass {
		return "", fmt.Errorf("pattern %q: unterminated character class", p)
	}
	re := "^(?:" + out.String() + ")$"
	if _, err := regexp.Compile(re); err != nil {
		return "", fmt.Errorf("pattern %q translated to %q does not compile: %w", p, re, err)
	}
	return re, nil
}

// propertyLen parses the property name after \p or \P and returns the
// number of runes it uses. Only Unicode general categories (L, Lu, Z, N, ...)
// are accepted: they mean the same in Java and RE2, whereas Java's other
// names (\p{Alpha} is ASCII-only there, \p{IsLatin}, \p{InGreek}) do not.
func propertyLen(rs []rune) (int, error) {
	if len(rs) == 0 {
		return 0, fmt.Errorf("\\p without a name")
	}
	name, n := string(rs[0]), 1
	if rs[0] == '{' {
		end := -1
		for j, r := range rs {
			if r == '}' {
				end = j
				break
			}
		}
		if end < 0 {
			return 0, fmt.Errorf("unterminated \\p{")
		}
		name, n = string(rs[1:end]), end+1
	}
	if !generalCategory.MatchString(name) {
		return 0, fmt.Errorf("property %q is not a Unicode general category", name)
	}
	return n, nil
}

var generalCategory = regexp.MustCompile(`^[LMNPSZC][a-z]?$`)

func isHex(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

func isASCIILetterOrDigit(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

package apishape

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// Pattern is a model pattern constraint: the text as written in the model
// (what the error message prints) and a full-match predicate.
type Pattern struct {
	text  string
	match func(string) bool
}

// RegexpPattern compiles re, which must be the RE2 translation of the model
// pattern text anchored for a full match (^(?:...)$). It panics if re does not
// compile; the generator compiles every pattern before it writes code, so a
// panic here means the generated code was edited by hand.
//
// Most model patterns are one run of an ASCII character class, such as a
// stream name's [a-zA-Z0-9_.-]+. Those are matched against a byte table
// instead: every PutRecord call checks one, and for a 24-byte stream name
// the table takes 16 ns against the regexp engine's 360 (pattern_test.go
// holds the two to agreement, and benchmarks them).
func RegexpPattern(text, re string) *Pattern {
	compiled := regexp.MustCompile(re)
	if run, ok := asciiClassRun(re); ok {
		return &Pattern{text: text, match: run.match}
	}
	return &Pattern{text: text, match: compiled.MatchString}
}

// classRun matches strings of min to max bytes (max < 0: no limit), each
// of them in the set.
type classRun struct {
	set      [256]bool
	min, max int
}

func (c *classRun) match(s string) bool {
	if len(s) < c.min || (c.max >= 0 && len(s) > c.max) {
		return false
	}
	for i := range len(s) {
		if !c.set[s[i]] {
			return false
		}
	}
	return true
}

// asciiClassRun recognizes a whole-string pattern that is one repeated
// character class of ASCII characters only (anchors aside), as parsed by
// the regexp package itself. A string with any other byte, including the
// bytes of a non-ASCII character, cannot match such a pattern, so testing
// bytes is exact.
func asciiClassRun(re string) (*classRun, bool) {
	if !strings.HasPrefix(re, "^(?:") || !strings.HasSuffix(re, ")$") {
		return nil, false // not anchored at both ends: a match may be of a part
	}
	tree, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil, false
	}
	// The top-level sequence, concatenations flattened: leading ^s, one
	// repeated class, trailing $s. An anchor anywhere else changes what
	// matches, so such a pattern keeps the regexp.
	var seq []*syntax.Regexp
	var flatten func(*syntax.Regexp)
	flatten = func(r *syntax.Regexp) {
		if r.Op != syntax.OpConcat {
			seq = append(seq, r)
			return
		}
		for _, sub := range r.Sub {
			flatten(sub)
		}
	}
	flatten(tree)
	for len(seq) > 0 && seq[0].Op == syntax.OpBeginText {
		seq = seq[1:]
	}
	for len(seq) > 0 && seq[len(seq)-1].Op == syntax.OpEndText {
		seq = seq[:len(seq)-1]
	}
	if len(seq) != 1 {
		return nil, false
	}
	run := &classRun{}
	switch r := seq[0]; r.Op {
	case syntax.OpStar:
		run.min, run.max = 0, -1
	case syntax.OpPlus:
		run.min, run.max = 1, -1
	case syntax.OpRepeat:
		run.min, run.max = r.Min, r.Max
	default:
		return nil, false
	}
	class := seq[0].Sub[0]
	if class.Op != syntax.OpCharClass {
		return nil, false
	}
	for i := 0; i+1 < len(class.Rune); i += 2 {
		lo, hi := class.Rune[i], class.Rune[i+1]
		if hi > 0x7f {
			return nil, false
		}
		for c := lo; c <= hi; c++ {
			run.set[c] = true
		}
	}
	return run, true
}

// FuncPattern wraps a hand-written full-match predicate for a model pattern
// that RE2 cannot express (Java look-arounds).
func FuncPattern(text string, match func(string) bool) *Pattern {
	return &Pattern{text: text, match: match}
}

// Text returns the pattern as written in the model.
func (p *Pattern) Text() string { return p.text }

// Match reports whether the whole of s satisfies the pattern.
func (p *Pattern) Match(s string) bool { return p.match(s) }

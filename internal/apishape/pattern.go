package apishape

import "regexp"

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
func RegexpPattern(text, re string) *Pattern {
	return &Pattern{text: text, match: regexp.MustCompile(re).MatchString}
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

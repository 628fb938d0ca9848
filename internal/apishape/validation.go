package apishape

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidationError is the error of a request that violates the model's
// constraints. The AWS JSON protocol answers it as HTTP 400 with
// __type ValidationException and Error() as the message.
type ValidationError struct {
	// Problems are the individual violations, each of the form
	// "Value <v> at '<path>' failed to satisfy constraint: <constraint>".
	Problems []string
}

// Error renders the Coral form: "1 validation error detected: <p1>" or
// "N validation errors detected: <p1>; <p2>; ...".
func (e *ValidationError) Error() string {
	n := len(e.Problems)
	noun := "errors"
	if n == 1 {
		noun = "error"
	}
	return strconv.Itoa(n) + " validation " + noun + " detected: " + strings.Join(e.Problems, "; ")
}

// Constraint phrases, exactly as Coral prints them.
const (
	ConstraintNotNull = "Member must not be null"
)

// ConstraintMaxLength is the phrase for a maximum length (strings, blobs,
// lists, maps).
func ConstraintMaxLength(n int) string {
	return "Member must have length less than or equal to " + strconv.Itoa(n)
}

// ConstraintMinLength is the phrase for a minimum length.
func ConstraintMinLength(n int) string {
	return "Member must have length greater than or equal to " + strconv.Itoa(n)
}

// ConstraintMaxValue is the phrase for a numeric maximum.
func ConstraintMaxValue(n float64) string {
	return "Member must have value less than or equal to " + formatBound(n)
}

// ConstraintMinValue is the phrase for a numeric minimum.
func ConstraintMinValue(n float64) string {
	return "Member must have value greater than or equal to " + formatBound(n)
}

// ConstraintPattern is the phrase for a pattern; the pattern is printed as
// written in the model (botocore's patterns mostly carry no ^...$ anchors).
func ConstraintPattern(p *Pattern) string {
	return "Member must satisfy regular expression pattern: " + p.Text()
}

// ConstraintEnum is the phrase for an enum, values in model order.
func ConstraintEnum(values []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// formatBound prints a model bound the way the model writes it: integers
// without a fraction.
func formatBound(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

// Validator collects the problems of one request. The zero value is ready to
// use. Generated code walks the input depth first, in model member order,
// keeping the current path with Enter/EnterIndex/Leave; paths are only
// rendered when a check fails, so a valid request costs no string building.
type Validator struct {
	path     []segment
	problems []string
}

// segment is one step of a path: a member name, or (index >= 0) a list
// element, which Coral renders as "<index+1>.member".
type segment struct {
	name  string
	index int
}

// Enter descends into the member with the given wire name (the generated code
// passes the model name with its first letter lower-cased).
func (v *Validator) Enter(member string) { v.path = append(v.path, segment{name: member, index: -1}) }

// EnterIndex descends into the list element with 0-based index i.
func (v *Validator) EnterIndex(i int) { v.path = append(v.path, segment{index: i}) }

// Leave undoes the last Enter or EnterIndex.
func (v *Validator) Leave() { v.path = v.path[:len(v.path)-1] }

// Failed reports whether any problem has been recorded.
func (v *Validator) Failed() bool { return len(v.problems) > 0 }

// Err returns nil when no problem was recorded, else a *ValidationError
// holding the problems in the order they were found.
func (v *Validator) Err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// pathTo renders the current path followed by member ("" means the current
// path itself, used for list elements).
func (v *Validator) pathTo(member string) string {
	var b strings.Builder
	for _, s := range v.path {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index + 1))
			b.WriteString(".member")
		} else {
			b.WriteString(s.name)
		}
	}
	if member != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(member)
	}
	return b.String()
}

// Add records a problem for a present value. value is the rendered value
// without quotes (see the Render functions); it is dropped when sensitive is
// true, giving Coral's "Value at '<path>' ...".
func (v *Validator) Add(member, value string, sensitive bool, constraint string) {
	var b strings.Builder
	b.WriteString("Value ")
	if !sensitive {
		b.WriteByte('\'')
		b.WriteString(value)
		b.WriteString("' ")
	}
	b.WriteString("at '")
	b.WriteString(v.pathTo(member))
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(constraint)
	v.problems = append(v.problems, b.String())
}

// AddNull records a problem for a missing value: "Value null at ...", or
// "Value at ..." for a sensitive member (sensitive members never print a
// value, not even null).
func (v *Validator) AddNull(member string, sensitive bool, constraint string) {
	prefix := "Value null at '"
	if sensitive {
		prefix = "Value at '"
	}
	v.problems = append(v.problems, prefix+v.pathTo(member)+"' failed to satisfy constraint: "+constraint)
}

// Required records "Member must not be null" unless present.
func (v *Validator) Required(member string, present, sensitive bool) {
	if !present {
		v.AddNull(member, sensitive, ConstraintNotNull)
	}
}

// StringLength checks the length of s in Unicode code points (the Smithy
// definition of a string's length) against min and, when max >= 0, max.
func (v *Validator) StringLength(member, s string, sensitive bool, min, max int) {
	n := len(s)
	// A string has between len/4 and len code points, so most values are
	// decided without counting.
	if (max >= 0 && n > max) || n < 4*min {
		n = utf8.RuneCountInString(s)
	}
	if n < min {
		v.Add(member, s, sensitive, ConstraintMinLength(min))
	}
	if max >= 0 && n > max {
		v.Add(member, s, sensitive, ConstraintMaxLength(max))
	}
}

// StringLengthOK reports whether s satisfies the length bounds, for
// constraints that are reported as a whole (map keys and values).
func StringLengthOK(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	return n >= min && (max < 0 || n <= max)
}

// StringPattern checks that the whole of s matches p.
func (v *Validator) StringPattern(member, s string, sensitive bool, p *Pattern) {
	if !p.Match(s) {
		v.Add(member, s, sensitive, ConstraintPattern(p))
	}
}

// StringEnum checks that s is one of values.
func (v *Validator) StringEnum(member, s string, sensitive bool, values []string) {
	if !EnumOK(s, values) {
		v.Add(member, s, sensitive, ConstraintEnum(values))
	}
}

// EnumOK reports whether s is one of values.
func EnumOK(s string, values []string) bool {
	for _, e := range values {
		if s == e {
			return true
		}
	}
	return false
}

// BlobLength checks the length of b in bytes against min and, when max >= 0,
// max.
func (v *Validator) BlobLength(member string, b []byte, sensitive bool, min, max int) {
	if len(b) < min {
		v.Add(member, RenderBlob(b), sensitive, ConstraintMinLength(min))
	}
	if max >= 0 && len(b) > max {
		v.Add(member, RenderBlob(b), sensitive, ConstraintMaxLength(max))
	}
}

// IntMin checks n >= min.
func (v *Validator) IntMin(member string, n int64, sensitive bool, min int64) {
	if n < min {
		v.Add(member, strconv.FormatInt(n, 10), sensitive, ConstraintMinValue(float64(min)))
	}
}

// IntMax checks n <= max.
func (v *Validator) IntMax(member string, n int64, sensitive bool, max int64) {
	if n > max {
		v.Add(member, strconv.FormatInt(n, 10), sensitive, ConstraintMaxValue(float64(max)))
	}
}

// FloatMin checks f >= min. NaN fails every bound, as it does in Java.
func (v *Validator) FloatMin(member string, f float64, sensitive bool, min float64) {
	if !(f >= min) {
		v.Add(member, RenderDouble(f), sensitive, ConstraintMinValue(min))
	}
}

// FloatMax checks f <= max.
func (v *Validator) FloatMax(member string, f float64, sensitive bool, max float64) {
	if !(f <= max) {
		v.Add(member, RenderDouble(f), sensitive, ConstraintMaxValue(max))
	}
}

// Length checks the number of elements n of a list or map against min and,
// when max >= 0, max. render produces the value text and is only called when
// a bound is violated (and the member is not sensitive).
func (v *Validator) Length(member string, n int, sensitive bool, min, max int, render func() string) {
	if n < min {
		v.Add(member, renderIf(render, sensitive), sensitive, ConstraintMinLength(min))
	}
	if max >= 0 && n > max {
		v.Add(member, renderIf(render, sensitive), sensitive, ConstraintMaxLength(max))
	}
}

// MapKeys records that some key of a map violates its constraints. Coral
// reports this once per map, printing the whole map and every constraint of
// the key shape: "Map keys must satisfy constraint: [c1, c2]".
func (v *Validator) MapKeys(member string, sensitive bool, render func() string, constraints ...string) {
	v.Add(member, renderIf(render, sensitive), sensitive,
		"Map keys must satisfy constraint: ["+strings.Join(constraints, ", ")+"]")
}

// MapValues is MapKeys for the values of a map: "Map value must satisfy
// constraint: [c1, c2]".
func (v *Validator) MapValues(member string, sensitive bool, render func() string, constraints ...string) {
	v.Add(member, renderIf(render, sensitive), sensitive,
		"Map value must satisfy constraint: ["+strings.Join(constraints, ", ")+"]")
}

func renderIf(render func() string, sensitive bool) string {
	if sensitive || render == nil {
		return ""
	}
	return render()
}

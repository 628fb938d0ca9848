package main

import (
	"fmt"
	"go/token"
	"strings"
	"unicode"
)

// reservedFieldNames are method names of generated structures; a member with
// one of these names gets a "Member" suffix on its Go field (the JSON tag keeps
// the model name).
var reservedFieldNames = setOf("Validate")

// reservedTypeNames are package-level identifiers the generator emits itself
// (or that generated code needs); a shape with such a name would collide.
var reservedTypeNames = setOf("Operations", "Errors", "TargetPrefix", "APIVersion", "ServiceID")

// fieldName returns the Go field name of a member: the model name with its
// first letter upper-cased (Go exports only capitalised names), made a valid
// identifier.
func fieldName(member string) string {
	n := goIdent(member)
	if reservedFieldNames[n] {
		n += "Member"
	}
	return n
}

// typeName returns the Go type name of a structure or enum shape.
func typeName(shape string) string { return goIdent(shape) }

func goIdent(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			if i == 0 {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "X" + out
	}
	if token.IsKeyword(out) {
		out += "_"
	}
	return out
}

// wireName is the name Coral uses for a member in validation paths: the model
// name with its first letter lower-cased ("DeliveryStreamName" ->
// "deliveryStreamName", "AWSKMSKeyARN" -> "aWSKMSKeyARN").
func wireName(member string) string {
	if member == "" {
		return member
	}
	r := []rune(member)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// enumConstName returns the constant name of an enum value: the type name
// followed by the value in CamelCase. Upper-case words are title-cased
// (HADOOP_SNAPPY -> HadoopSnappy), mixed-case words are kept (DirectPut,
// MySQL), other characters separate words.
func enumConstName(typ, value string) string {
	words := strings.FieldsFunc(value, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	var b strings.Builder
	b.WriteString(typ)
	for _, w := range words {
		r := []rune(w)
		allUpper := true
		for _, c := range r {
			if unicode.IsLower(c) {
				allUpper = false
				break
			}
		}
		if allUpper {
			b.WriteString(string(r[0]))
			b.WriteString(strings.ToLower(string(r[1:])))
		} else {
			b.WriteRune(unicode.ToUpper(r[0]))
			b.WriteString(string(r[1:]))
		}
	}
	if len(words) == 0 {
		b.WriteString("Empty")
	}
	return b.String()
}

// checkEnumNames fails if two values of one enum map to the same constant.
func checkEnumNames(s *shape) error {
	seen := map[string]string{}
	for _, v := range s.enum {
		n := enumConstName(typeName(s.name), v)
		if prev, ok := seen[n]; ok {
			return fmt.Errorf("enum %s: values %q and %q both map to constant %s", s.name, prev, v, n)
		}
		seen[n] = v
	}
	return nil
}

package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Validation code layout: every structure reachable from an operation input
// that has a constraint somewhere below it gets an unexported
// validate(*apishape.Validator) method that checks its members in model
// order, depth first; each operation input gets the exported Validate. Pattern
// and enum tables are package-level variables built once.

// needsValidation reports whether a value of the shape can violate anything.
func (g *generator) needsValidation(name string) bool {
	if v, ok := g.needs[name]; ok {
		return v
	}
	g.needs[name] = false // cycle guard: a recursive reference adds nothing new
	s := g.m.shapes[name]
	var r bool
	switch s.typ {
	case "string":
		r = positive(s.min) || s.max != nil || s.pattern != "" || s.enum != nil
	case "blob", "list", "map":
		r = positive(s.min) || s.max != nil
		if s.typ == "list" {
			r = r || g.needsValidation(s.listMember)
		}
		if s.typ == "map" {
			r = r || g.needsValidation(s.mapKey) || g.needsValidation(s.mapValue)
		}
	case "integer", "long", "double", "float":
		r = s.min != nil || s.max != nil
	case "structure":
		r = len(s.required) > 0
		for _, mem := range s.members {
			r = g.needsValidation(mem.shape) || r
		}
	}
	g.needs[name] = r
	return r
}

func positive(f *float64) bool { return f != nil && *f > 0 }

// genValidate renders the validation code. It fails on any pattern that can
// be neither translated to RE2 nor routed to a hand-written matcher.
func (g *generator) genValidate() ([]chunk, error) {
	tables, err := g.genTables()
	if err != nil {
		return nil, err
	}
	chunks := []chunk{tables}
	inputs := map[string]bool{}
	for _, op := range g.m.operations {
		inputs[op.input] = true
	}
	for _, name := range g.sortedShapes(g.input, g.isStruct) {
		var b strings.Builder
		t := typeName(name)
		if inputs[name] {
			if g.needsValidation(name) {
				fmt.Fprintf(&b, `// Validate checks in against the model's constraints and returns nil or a
// *apishape.ValidationError listing every violation. A nil receiver is
// validated as an empty input.
func (in *%s) Validate() error {
	if in == nil {
		in = &%s{}
	}
	var v apishape.Validator
	in.validate(&v)
	return v.Err()
}

`, t, t)
			} else {
				fmt.Fprintf(&b, "// Validate returns nil: the model puts no constraint on %s.\nfunc (in *%s) Validate() error { return nil }\n\n", t, t)
			}
		}
		if g.needsValidation(name) {
			if err := g.genStructValidate(&b, name); err != nil {
				return nil, err
			}
		}
		if b.Len() > 0 {
			chunks = append(chunks, chunk{text: b.String(), imports: map[string]bool{apishapeImport: true}})
		}
	}
	return chunks, nil
}

// genTables assigns and renders the pattern and enum variables used by the
// validators of input shapes.
func (g *generator) genTables() (chunk, error) {
	var b strings.Builder
	var enums []string
	first := map[string]string{} // pattern text -> variable of its first shape
	var defs []string
	for _, name := range g.sortedShapes(g.input, func(s *shape) bool { return s.typ == "string" }) {
		s := g.m.shapes[name]
		if s.enum != nil {
			g.enumVars[name] = true
			enums = append(enums, name)
		}
		if s.pattern == "" {
			continue
		}
		v := "pattern" + typeName(name)
		g.patterns[name] = v
		if prev, ok := first[s.pattern]; ok {
			// Shapes sharing a pattern share the compiled matcher.
			defs = append(defs, fmt.Sprintf("\t%s = %s // same model pattern\n", v, prev))
			continue
		}
		first[s.pattern] = v
		p := s.pattern
		if hasLookaround(p) {
			fn, ok := g.svc.lookarounds[p]
			if !ok {
				return chunk{}, fmt.Errorf("shape %s: pattern %q uses a Java look-around, which RE2 lacks; "+
					"write a matcher in %s/lookaround.go and list it in the service's lookarounds table in tools/apigen/main.go",
					name, p, g.svc.pkgDir)
			}
			defs = append(defs, fmt.Sprintf("\t%s = apishape.FuncPattern(%s, %s)\n", v, goStringLit(p), fn))
			continue
		}
		re, err := translatePattern(p)
		if err != nil {
			return chunk{}, fmt.Errorf("shape %s: %w", name, err)
		}
		defs = append(defs, fmt.Sprintf("\t%s = apishape.RegexpPattern(%s, %s)\n", v, goStringLit(p), goStringLit(re)))
	}
	if len(defs) > 0 {
		b.WriteString("// Model patterns, compiled once. Each is applied as a full match, as Java's\n")
		b.WriteString("// Pattern.matches does; the first argument is the model text the error\n")
		b.WriteString("// message prints.\nvar (\n")
		for _, d := range defs {
			b.WriteString(d)
		}
		b.WriteString(")\n\n")
	}
	if len(enums) > 0 {
		b.WriteString("// Enum value sets in model order, as validation checks and prints them.\nvar (\n")
		for _, name := range enums {
			var vals []string
			for _, e := range g.m.shapes[name].enum {
				vals = append(vals, strconv.Quote(e))
			}
			fmt.Fprintf(&b, "\tenum%s = []string{%s}\n", typeName(name), strings.Join(vals, ", "))
		}
		b.WriteString(")\n")
	}
	return chunk{text: b.String(), imports: map[string]bool{apishapeImport: true}}, nil
}

// goStringLit quotes s as a raw string when it can, for readable regexes.
func goStringLit(s string) string {
	if !strings.ContainsAny(s, "`\r\n") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func (g *generator) genStructValidate(b *strings.Builder, name string) error {
	s := g.m.shapes[name]
	fmt.Fprintf(b, "func (s *%s) validate(v *apishape.Validator) {\n", typeName(name))
	for _, mem := range s.members {
		target := g.m.shapes[mem.shape]
		required := s.required[mem.name]
		checks := g.needsValidation(mem.shape)
		if !required && !checks {
			continue
		}
		wire := strconv.Quote(wireName(mem.name))
		sens := mem.sensitive || target.sensitive
		field := "s." + fieldName(mem.name)
		if !checks {
			fmt.Fprintf(b, "\tv.Required(%s, %s != nil, %t)\n", wire, field, sens)
			continue
		}
		if required {
			fmt.Fprintf(b, "\tif x := %s; x == nil {\n\t\tv.AddNull(%s, %t, apishape.ConstraintNotNull)\n\t} else {\n", field, wire, sens)
		} else {
			fmt.Fprintf(b, "\tif x := %s; x != nil {\n", field)
		}
		expr := "x"
		switch target.typ {
		case "string", "integer", "long", "double", "float", "boolean", "timestamp":
			expr = "*x"
		}
		var body strings.Builder
		if err := g.genValueChecks(&body, wire, expr, mem.shape, sens, 0); err != nil {
			return fmt.Errorf("%s.%s: %w", name, mem.name, err)
		}
		b.WriteString(indent(body.String(), "\t\t"))
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n\n")
	return nil
}

// genValueChecks writes the checks of a present value. wire is the quoted
// member name ("" for a list element, whose path is already entered), expr a
// Go expression of the value (a pointer or addressable value for structures).
func (g *generator) genValueChecks(b *strings.Builder, wire, expr, name string, sens bool, depth int) error {
	s := g.m.shapes[name]
	sens = sens || s.sensitive
	switch s.typ {
	case "string":
		str := expr
		if s.enum != nil {
			str = "string(" + expr + ")"
			fmt.Fprintf(b, "v.StringEnum(%s, %s, %t, enum%s)\n", wire, str, sens, typeName(name))
		}
		if s.pattern != "" {
			fmt.Fprintf(b, "v.StringPattern(%s, %s, %t, %s)\n", wire, str, sens, g.patterns[name])
		}
		if positive(s.min) || s.max != nil {
			fmt.Fprintf(b, "v.StringLength(%s, %s, %t, %s, %s)\n", wire, str, sens, intBound(s.min, 0), intBound(s.max, -1))
		}
	case "blob":
		fmt.Fprintf(b, "v.BlobLength(%s, %s, %t, %s, %s)\n", wire, expr, sens, intBound(s.min, 0), intBound(s.max, -1))
	case "integer", "long":
		if s.min != nil {
			fmt.Fprintf(b, "v.IntMin(%s, int64(%s), %t, %s)\n", wire, expr, sens, formatNum(*s.min))
		}
		if s.max != nil {
			fmt.Fprintf(b, "v.IntMax(%s, int64(%s), %t, %s)\n", wire, expr, sens, formatNum(*s.max))
		}
	case "double", "float":
		if s.min != nil {
			fmt.Fprintf(b, "v.FloatMin(%s, float64(%s), %t, %s)\n", wire, expr, sens, formatNum(*s.min))
		}
		if s.max != nil {
			fmt.Fprintf(b, "v.FloatMax(%s, float64(%s), %t, %s)\n", wire, expr, sens, formatNum(*s.max))
		}
	case "structure":
		if wire != `""` {
			fmt.Fprintf(b, "v.Enter(%s)\n%s.validate(v)\nv.Leave()\n", wire, expr)
		} else {
			fmt.Fprintf(b, "%s.validate(v)\n", expr)
		}
	case "list":
		if positive(s.min) || s.max != nil {
			render, err := g.listRender(expr, s.listMember, sens)
			if err != nil {
				return fmt.Errorf("list %s: %w", name, err)
			}
			fmt.Fprintf(b, "v.Length(%s, len(%s), %t, %s, %s, %s)\n", wire, expr, sens, intBound(s.min, 0), intBound(s.max, -1), render)
		}
		if g.needsValidation(s.listMember) {
			i := fmt.Sprintf("i%d", depth)
			if wire != `""` {
				fmt.Fprintf(b, "v.Enter(%s)\n", wire)
			}
			fmt.Fprintf(b, "for %s := range %s {\n\tv.EnterIndex(%s)\n", i, expr, i)
			var inner strings.Builder
			if err := g.genValueChecks(&inner, `""`, expr+"["+i+"]", s.listMember, sens, depth+1); err != nil {
				return err
			}
			b.WriteString(indent(inner.String(), "\t"))
			b.WriteString("\tv.Leave()\n}\n")
			if wire != `""` {
				b.WriteString("v.Leave()\n")
			}
		}
	case "map":
		return g.genMapChecks(b, wire, expr, name, sens, depth)
	default:
		return fmt.Errorf("shape %s: constraints on type %s are not supported", name, s.typ)
	}
	return nil
}

// genMapChecks checks a map's size and, Coral style, its keys and values as
// a whole: one problem for all bad keys, one for all bad values, printing the
// map and every constraint of the key (value) shape.
func (g *generator) genMapChecks(b *strings.Builder, wire, expr, name string, sens bool, depth int) error {
	s := g.m.shapes[name]
	render := "nil"
	if !sens {
		if g.m.shapes[s.mapValue].typ != "string" {
			return fmt.Errorf("map %s: only maps of strings can be rendered", name)
		}
		render = fmt.Sprintf("func() string { return apishape.RenderStringMap(%s) }", expr)
	}
	if positive(s.min) || s.max != nil {
		fmt.Fprintf(b, "v.Length(%s, len(%s), %t, %s, %s, %s)\n", wire, expr, sens, intBound(s.min, 0), intBound(s.max, -1), render)
	}
	keyNeeds, valNeeds := g.needsValidation(s.mapKey), g.needsValidation(s.mapValue)
	if !keyNeeds && !valNeeds {
		return nil
	}
	k, e := fmt.Sprintf("k%d", depth), fmt.Sprintf("e%d", depth)
	keyVar, valVar := "_", "_"
	fmt.Fprintf(b, "keysOK, valuesOK := true, true\n")
	var loop strings.Builder
	if keyNeeds {
		keyVar = k
		pred, err := g.stringPredicate(k, s.mapKey)
		if err != nil {
			return fmt.Errorf("map %s key: %w", name, err)
		}
		fmt.Fprintf(&loop, "\tif keysOK && !(%s) {\n\t\tkeysOK = false\n\t}\n", pred)
	}
	if valNeeds {
		valVar = e
		pred, err := g.stringPredicate(e, s.mapValue)
		if err != nil {
			return fmt.Errorf("map %s value: %w", name, err)
		}
		fmt.Fprintf(&loop, "\tif valuesOK && !(%s) {\n\t\tvaluesOK = false\n\t}\n", pred)
	}
	if valVar == "_" {
		fmt.Fprintf(b, "for %s := range %s {\n%s}\n", keyVar, expr, loop.String())
	} else {
		fmt.Fprintf(b, "for %s, %s := range %s {\n%s}\n", keyVar, valVar, expr, loop.String())
	}
	if keyNeeds {
		fmt.Fprintf(b, "if !keysOK {\n\tv.MapKeys(%s, %t, %s, %s)\n}\n", wire, sens, render, g.constraintList(s.mapKey))
	} else {
		b.WriteString("_ = keysOK\n")
	}
	if valNeeds {
		fmt.Fprintf(b, "if !valuesOK {\n\tv.MapValues(%s, %t, %s, %s)\n}\n", wire, sens, render, g.constraintList(s.mapValue))
	} else {
		b.WriteString("_ = valuesOK\n")
	}
	return nil
}

// stringPredicate is a boolean Go expression that is true when the string
// variable v satisfies every constraint of the string shape name.
func (g *generator) stringPredicate(v, name string) (string, error) {
	s := g.m.shapes[name]
	if s.typ != "string" {
		return "", fmt.Errorf("shape %s: only string map keys and values can be checked", name)
	}
	str := v
	if s.enum != nil {
		str = "string(" + v + ")"
	}
	var parts []string
	if positive(s.min) || s.max != nil {
		parts = append(parts, fmt.Sprintf("apishape.StringLengthOK(%s, %s, %s)", str, intBound(s.min, 0), intBound(s.max, -1)))
	}
	if s.pattern != "" {
		parts = append(parts, fmt.Sprintf("%s.Match(%s)", g.patterns[name], str))
	}
	if s.enum != nil {
		parts = append(parts, fmt.Sprintf("apishape.EnumOK(%s, enum%s)", str, typeName(name)))
	}
	return strings.Join(parts, " && "), nil
}

// constraintList is the Go argument list of every constraint phrase of a
// string shape, in the order Coral lists them (maximum, minimum, pattern).
func (g *generator) constraintList(name string) string {
	s := g.m.shapes[name]
	var parts []string
	if s.max != nil {
		parts = append(parts, fmt.Sprintf("apishape.ConstraintMaxLength(%s)", formatNum(*s.max)))
	}
	if s.min != nil {
		parts = append(parts, fmt.Sprintf("apishape.ConstraintMinLength(%s)", formatNum(*s.min)))
	}
	if s.pattern != "" {
		parts = append(parts, fmt.Sprintf("apishape.ConstraintPattern(%s)", g.patterns[name]))
	}
	if s.enum != nil {
		parts = append(parts, fmt.Sprintf("apishape.ConstraintEnum(enum%s)", typeName(name)))
	}
	return strings.Join(parts, ", ")
}

// listRender is the Go expression of the render function of a list value
// (nil for a sensitive list, which is never printed).
func (g *generator) listRender(expr, elem string, sens bool) (string, error) {
	if sens {
		return "nil", nil
	}
	es := g.m.shapes[elem]
	switch es.typ {
	case "string":
		return fmt.Sprintf("func() string { return apishape.RenderStrings(%s) }", expr), nil
	case "integer", "long":
		return fmt.Sprintf("func() string { return apishape.RenderInts(%s) }", expr), nil
	case "blob":
		return fmt.Sprintf("func() string {\n\treturn apishape.RenderList(len(%s), func(i int) string { return apishape.RenderBlob(%s[i]) })\n}", expr, expr), nil
	case "structure":
		class := strconv.Quote(g.svc.javaPackage + "." + elem)
		return fmt.Sprintf("func() string {\n\treturn apishape.RenderList(len(%s), func(i int) string { return apishape.RenderObject(%s, &%s[i]) })\n}", expr, class, expr), nil
	}
	return "", fmt.Errorf("cannot render a list of %s", es.typ)
}

// intBound renders a length bound, or def when the model gives none.
func intBound(f *float64, def int) string {
	if f == nil {
		return strconv.Itoa(def)
	}
	return formatNum(*f)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

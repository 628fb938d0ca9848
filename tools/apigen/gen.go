package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const apishapeImport = "github.com/sluicehq/sluice/internal/apishape"

// service says where one model's code goes.
type service struct {
	name      string // short name used on the command line: firehose, kms
	modelFile string // trimmed model, relative to the repository root
	pkgDir    string // output package directory, relative to the repository root
	pkgName   string
	// javaPackage prefixes structure class names when a list of structures
	// is printed in a validation message ("<javaPackage>.Record@1a2b3c4d").
	javaPackage string
	// lookarounds maps the model patterns RE2 cannot express to hand-written
	// matchers defined in a non-generated file of the package.
	lookarounds map[string]string
}

// generator holds the state of one service's generation.
type generator struct {
	svc   *service
	m     *model
	all   map[string]bool // shapes reachable from inputs or outputs
	input map[string]bool // shapes reachable from inputs
	// needs caches whether a shape has any constraint in its subtree.
	needs map[string]bool
	// patterns maps a string shape with a pattern to the Go variable
	// holding its compiled pattern.
	patterns map[string]string
	// enumVars lists the enum shapes whose value tables validation uses.
	enumVars map[string]bool
}

func newGenerator(svc *service, m *model) (*generator, error) {
	var ins, outs []string
	for _, op := range m.operations {
		ins = append(ins, op.input)
		if op.output != "" {
			outs = append(outs, op.output)
		}
	}
	g := &generator{
		svc:      svc,
		m:        m,
		input:    m.reachable(ins),
		all:      m.reachable(append(ins, outs...)),
		needs:    map[string]bool{},
		patterns: map[string]string{},
		enumVars: map[string]bool{},
	}
	for name := range g.all {
		s := m.shapes[name]
		if (s.typ == "structure" || s.enum != nil) && reservedTypeNames[typeName(name)] {
			return nil, fmt.Errorf("shape %s collides with a generated identifier", name)
		}
		if s.enum != nil {
			if err := checkEnumNames(s); err != nil {
				return nil, err
			}
		}
		if s.typ == "structure" {
			seen := map[string]string{}
			for _, mem := range s.members {
				f := fieldName(mem.name)
				if prev, ok := seen[f]; ok {
					return nil, fmt.Errorf("shape %s: members %s and %s both map to field %s", name, prev, mem.name, f)
				}
				seen[f] = mem.name
			}
		}
	}
	return g, nil
}

// sortedShapes returns the names of reachable shapes accepted by keep, in
// alphabetical order (stable output regardless of model order).
func (g *generator) sortedShapes(set map[string]bool, keep func(*shape) bool) []string {
	var out []string
	for name := range set {
		if keep(g.m.shapes[name]) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (g *generator) isStruct(s *shape) bool { return s.typ == "structure" && !s.exception }
func isEnum(s *shape) bool                  { return s.typ == "string" && s.enum != nil }

// goType returns the Go type of a value of shape name. Pointers are added by
// the caller for structure members.
func (g *generator) goType(name string) string {
	s := g.m.shapes[name]
	switch s.typ {
	case "structure":
		return typeName(name)
	case "string":
		if s.enum != nil {
			return typeName(name)
		}
		return "string"
	case "integer":
		return "int32"
	case "long":
		return "int64"
	case "boolean":
		return "bool"
	case "double":
		return "float64"
	case "float":
		return "float32"
	case "timestamp":
		return "apishape.Timestamp"
	case "blob":
		return "[]byte"
	case "list":
		return "[]" + g.goType(s.listMember)
	case "map":
		return "map[string]" + g.goType(s.mapValue)
	}
	panic("unreachable: type " + s.typ)
}

// memberType is the Go type of a structure field: scalars and structures are
// pointers (absence must be distinguishable from zero), blobs, lists and maps
// use their nil value for absence.
func (g *generator) memberType(shapeName string) string {
	switch g.m.shapes[shapeName].typ {
	case "blob", "list", "map":
		return g.goType(shapeName)
	}
	return "*" + g.goType(shapeName)
}

// omit is the JSON omission option of a member. Pointers use omitempty (nil
// is absent). Blobs, lists and maps use omitzero: nil is absent, but an empty
// non-nil value is sent, because clients index required output members
// (boto3's resp["DeliveryStreamNames"]) and must see [] rather than nothing.
func (g *generator) omit(shapeName string) string {
	switch g.m.shapes[shapeName].typ {
	case "blob", "list", "map":
		return "omitzero"
	}
	return "omitempty"
}

func (g *generator) usesTimestamp(name string) bool {
	s := g.m.shapes[name]
	switch s.typ {
	case "timestamp":
		return true
	case "list":
		return g.usesTimestamp(s.listMember)
	case "map":
		return g.usesTimestamp(s.mapValue)
	}
	return false
}

// summary describes a shape's constraints for a field comment.
func (g *generator) summary(name string) string {
	s := g.m.shapes[name]
	var parts []string
	bound := func(kind string) {
		if s.min == nil && s.max == nil {
			return
		}
		lo, hi := "", ""
		if s.min != nil {
			lo = formatNum(*s.min)
		}
		if s.max != nil {
			hi = formatNum(*s.max)
		}
		parts = append(parts, kind+" "+lo+".."+hi)
	}
	switch s.typ {
	case "string", "blob", "list", "map":
		bound("length")
	case "integer", "long", "double", "float":
		bound("range")
	}
	if s.pattern != "" {
		parts = append(parts, "pattern "+s.pattern)
	}
	if s.sensitive {
		parts = append(parts, "sensitive")
	}
	return strings.Join(parts, "; ")
}

func formatNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// genTypes renders the structure declarations, one chunk per structure.
func (g *generator) genTypes() []chunk {
	var chunks []chunk
	for _, name := range g.sortedShapes(g.all, g.isStruct) {
		s := g.m.shapes[name]
		var b strings.Builder
		imports := map[string]bool{}
		role := g.role(name)
		fmt.Fprintf(&b, "// %s is the structure shape %s%s.\n", typeName(name), name, role)
		if s.deprecated {
			b.WriteString("//\n// The model marks this shape deprecated.\n")
		}
		fmt.Fprintf(&b, "type %s struct {\n", typeName(name))
		for i, mem := range s.members {
			var notes []string
			if s.required[mem.name] {
				notes = append(notes, "Required.")
			}
			if sum := g.summary(mem.shape); sum != "" {
				notes = append(notes, "Shape "+mem.shape+": "+sum+".")
			}
			if mem.deprecated {
				notes = append(notes, "Marked deprecated in the model.")
			}
			if len(notes) > 0 {
				if i > 0 {
					b.WriteString("\n")
				}
				fmt.Fprintf(&b, "\t// %s\n", strings.Join(notes, " "))
			}
			if g.usesTimestamp(mem.shape) {
				imports[apishapeImport] = true
			}
			fmt.Fprintf(&b, "\t%s %s `json:\"%s,%s\"`\n", fieldName(mem.name), g.memberType(mem.shape), mem.name, g.omit(mem.shape))
		}
		b.WriteString("}\n")
		chunks = append(chunks, chunk{text: b.String(), imports: imports})
	}
	return chunks
}

// role says which operations use a structure directly, for its doc comment.
func (g *generator) role(name string) string {
	for _, op := range g.m.operations {
		if op.input == name {
			return ", the input of " + op.name
		}
		if op.output == name {
			return ", the output of " + op.name
		}
	}
	return ""
}

// genEnums renders the enum types with their constants and Values method.
func (g *generator) genEnums() []chunk {
	var chunks []chunk
	for _, name := range g.sortedShapes(g.all, isEnum) {
		s := g.m.shapes[name]
		t := typeName(name)
		var b strings.Builder
		fmt.Fprintf(&b, "// %s is the enum shape %s.\n", t, name)
		if s.deprecated {
			b.WriteString("//\n// The model marks this shape deprecated.\n")
		}
		fmt.Fprintf(&b, "type %s string\n\n", t)
		fmt.Fprintf(&b, "// Values of %s, in model order.\nconst (\n", t)
		for _, v := range s.enum {
			fmt.Fprintf(&b, "\t%s %s = %s\n", enumConstName(t, v), t, strconv.Quote(v))
		}
		b.WriteString(")\n\n")
		fmt.Fprintf(&b, "// Values returns the values of %s in model order.\n", t)
		fmt.Fprintf(&b, "func (%s) Values() []%s {\n\treturn []%s{\n", t, t, t)
		for _, v := range s.enum {
			fmt.Fprintf(&b, "\t\t%s,\n", enumConstName(t, v))
		}
		b.WriteString("\t}\n}\n")
		chunks = append(chunks, chunk{text: b.String()})
	}
	return chunks
}

// genOperations renders the service constants, the operation table and the
// error codes.
func (g *generator) genOperations() []chunk {
	m := g.m
	var b strings.Builder
	fmt.Fprintf(&b, `// Service identity, from the model's metadata.
const (
	// TargetPrefix is the X-Amz-Target prefix of this service's operations
	// ("<TargetPrefix>.<Operation>").
	TargetPrefix = %q
	// APIVersion is the model's API version.
	APIVersion = %q
	// ServiceID is the model's service id.
	ServiceID = %q
)

`, m.targetPrefix, m.apiVersion, m.serviceID)
	b.WriteString("// Operations lists every operation of the model, in model order.\n")
	b.WriteString("var Operations = []apishape.Operation{\n")
	for _, op := range m.operations {
		fmt.Fprintf(&b, "\t{\n\t\tName: %q,\n\t\tInputShape: %q,\n", op.name, op.input)
		if op.output != "" {
			fmt.Fprintf(&b, "\t\tOutputShape: %q,\n", op.output)
		}
		fmt.Fprintf(&b, "\t\tNewInput: func() apishape.Input { return new(%s) },\n", typeName(op.input))
		if op.output != "" {
			fmt.Fprintf(&b, "\t\tNewOutput: func() any { return new(%s) },\n", typeName(op.output))
		}
		if len(op.errors) > 0 {
			b.WriteString("\t\tErrors: []string{")
			for i, e := range op.errors {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("ErrCode" + typeName(e))
			}
			b.WriteString("},\n")
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n")
	ops := chunk{text: b.String(), imports: map[string]bool{apishapeImport: true}}

	var e strings.Builder
	var exc []string
	for _, name := range m.shapeOrder {
		if m.shapes[name].exception {
			exc = append(exc, name)
		}
	}
	sort.Strings(exc)
	e.WriteString("// Error codes: the exception shapes of the model. The code is the wire\n// __type of the error.\nconst (\n")
	for _, name := range exc {
		fmt.Fprintf(&e, "\tErrCode%s = %q\n", typeName(name), name)
	}
	e.WriteString(")\n\n")
	e.WriteString("// Errors lists the exception shapes of the model, alphabetically.\n")
	e.WriteString("var Errors = []apishape.ErrorShape{\n")
	for _, name := range exc {
		fmt.Fprintf(&e, "\t{Code: ErrCode%s", typeName(name))
		if m.shapes[name].fault {
			e.WriteString(", Fault: true")
		}
		e.WriteString("},\n")
	}
	e.WriteString("}\n")
	errs := chunk{text: e.String(), imports: map[string]bool{apishapeImport: true}}
	return []chunk{ops, errs}
}

// chunk is one top-level declaration group with the imports it needs.
type chunk struct {
	text    string
	imports map[string]bool
}

// maxFileLines bounds generated files; larger outputs are split into
// numbered files (zz_generated_types.go, zz_generated_types_2.go, ...).
const maxFileLines = 3000

// writeChunks formats chunks into one or more files named after base and
// returns the names written.
func (g *generator) writeChunks(dir, base string, chunks []chunk) ([]string, error) {
	var files [][]chunk
	var cur []chunk
	lines := 0
	for _, c := range chunks {
		n := strings.Count(c.text, "\n") + 1
		if lines > 0 && lines+n > maxFileLines {
			files = append(files, cur)
			cur, lines = nil, 0
		}
		cur = append(cur, c)
		lines += n
	}
	if len(cur) > 0 || len(files) == 0 {
		files = append(files, cur)
	}
	var names []string
	for i, fc := range files {
		name := base + ".go"
		if i > 0 {
			name = fmt.Sprintf("%s_%d.go", base, i+1)
		}
		imports := map[string]bool{}
		var body strings.Builder
		for _, c := range fc {
			for imp := range c.imports {
				imports[imp] = true
			}
			body.WriteString("\n")
			body.WriteString(c.text)
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "// Code generated by apigen from %s; DO NOT EDIT.\n\n", g.svc.modelFile)
		fmt.Fprintf(&b, "package %s\n", g.svc.pkgName)
		if len(imports) > 0 {
			var imps []string
			for imp := range imports {
				imps = append(imps, imp)
			}
			// Standard library first, then module imports, as goimports would.
			slices.SortFunc(imps, func(a, b string) int {
				sa, sb := !strings.Contains(a, "."), !strings.Contains(b, ".")
				if sa != sb {
					if sa {
						return -1
					}
					return 1
				}
				return strings.Compare(a, b)
			})
			b.WriteString("\nimport (\n")
			prevStd := true
			for i, imp := range imps {
				std := !strings.Contains(imp, ".")
				if i > 0 && prevStd && !std {
					b.WriteString("\n")
				}
				prevStd = std
				fmt.Fprintf(&b, "\t%q\n", imp)
			}
			b.WriteString(")\n")
		}
		b.WriteString(body.String())
		src, err := format.Source(b.Bytes())
		if err != nil {
			// Write the unformatted source to help whoever debugs the generator.
			_ = os.WriteFile(filepath.Join(dir, name+".broken"), b.Bytes(), 0o644)
			return nil, fmt.Errorf("format %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

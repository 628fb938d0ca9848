package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
)

// model is the part of a botocore service-2.json the generator uses.
type model struct {
	apiVersion   string
	targetPrefix string
	serviceID    string
	jsonVersion  string
	operations   []*operation
	shapes       map[string]*shape
	shapeOrder   []string
}

type operation struct {
	name   string
	input  string
	output string // "" when the operation has no output shape
	errors []string
}

type shape struct {
	name       string
	typ        string // structure, string, integer, long, boolean, double, float, blob, timestamp, list, map
	members    []*member
	required   map[string]bool
	listMember string
	mapKey     string
	mapValue   string
	min, max   *float64
	pattern    string
	enum       []string
	sensitive  bool
	exception  bool
	fault      bool
	deprecated bool
}

type member struct {
	name       string
	shape      string
	deprecated bool
	sensitive  bool
}

// Known keys. Anything else in a model makes the generator stop: a new trait
// may carry a constraint (or a wire-format change) that must be handled on
// purpose, not silently ignored.
var (
	knownShapeKeys = setOf("type", "members", "required", "member", "key", "value", "min", "max",
		"pattern", "enum", "sensitive", "exception", "fault", "error", "deprecated", "box",
		"documentation", "documentationUrl", "deprecatedMessage")
	knownMemberKeys = setOf("shape", "deprecated", "sensitive", "box",
		"documentation", "documentationUrl", "deprecatedMessage")
	knownOperationKeys = setOf("name", "http", "input", "output", "errors", "deprecated",
		"documentation", "documentationUrl", "deprecatedMessage", "authtype", "auth")
	knownTypes = setOf("structure", "string", "integer", "long", "boolean", "double", "float",
		"blob", "timestamp", "list", "map")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func loadModel(path string) (*model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	root, err := parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	m, err := buildModel(root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func buildModel(root *node) (*model, error) {
	meta := root.get("metadata")
	m := &model{
		apiVersion:   meta.getString("apiVersion"),
		targetPrefix: meta.getString("targetPrefix"),
		serviceID:    meta.getString("serviceId"),
		jsonVersion:  meta.getString("jsonVersion"),
		shapes:       map[string]*shape{},
	}
	if p := meta.getString("protocol"); p != "json" {
		return nil, fmt.Errorf("protocol %q: only the AWS JSON protocol is supported", p)
	}
	if m.targetPrefix == "" {
		return nil, fmt.Errorf("metadata has no targetPrefix")
	}
	shapes := root.get("shapes")
	if shapes == nil || shapes.kind != kindObject {
		return nil, fmt.Errorf("no shapes")
	}
	for i, name := range shapes.keys {
		s, err := buildShape(name, shapes.vals[i])
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		m.shapes[name] = s
		m.shapeOrder = append(m.shapeOrder, name)
	}
	ops := root.get("operations")
	if ops == nil || ops.kind != kindObject {
		return nil, fmt.Errorf("no operations")
	}
	for i, name := range ops.keys {
		o := ops.vals[i]
		for _, k := range o.keys {
			if !knownOperationKeys[k] {
				return nil, fmt.Errorf("operation %s: unknown key %q", name, k)
			}
		}
		op := &operation{
			name:   name,
			input:  o.get("input").getString("shape"),
			output: o.get("output").getString("shape"),
		}
		if op.input == "" {
			return nil, fmt.Errorf("operation %s has no input shape", name)
		}
		if errs := o.get("errors"); errs != nil {
			for _, e := range errs.vals {
				op.errors = append(op.errors, e.getString("shape"))
			}
		}
		m.operations = append(m.operations, op)
	}
	return m, m.check()
}

func buildShape(name string, n *node) (*shape, error) {
	for _, k := range n.keys {
		if !knownShapeKeys[k] {
			return nil, fmt.Errorf("unknown key %q", k)
		}
	}
	s := &shape{
		name:       name,
		typ:        n.getString("type"),
		required:   map[string]bool{},
		pattern:    n.getString("pattern"),
		sensitive:  n.getBool("sensitive"),
		exception:  n.getBool("exception"),
		fault:      n.getBool("fault"),
		deprecated: n.getBool("deprecated"),
	}
	if !knownTypes[s.typ] {
		return nil, fmt.Errorf("unsupported type %q", s.typ)
	}
	var err error
	if s.min, err = number(n, "min"); err != nil {
		return nil, err
	}
	if s.max, err = number(n, "max"); err != nil {
		return nil, err
	}
	if e := n.get("enum"); e != nil {
		for _, v := range e.vals {
			s.enum = append(s.enum, v.str)
		}
	}
	if r := n.get("required"); r != nil {
		for _, v := range r.vals {
			s.required[v.str] = true
		}
	}
	if mem := n.get("members"); mem != nil {
		for i, mname := range mem.keys {
			mv := mem.vals[i]
			for _, k := range mv.keys {
				if !knownMemberKeys[k] {
					return nil, fmt.Errorf("member %s: unknown key %q", mname, k)
				}
			}
			s.members = append(s.members, &member{
				name:       mname,
				shape:      mv.getString("shape"),
				deprecated: mv.getBool("deprecated"),
				sensitive:  mv.getBool("sensitive"),
			})
		}
	}
	s.listMember = n.get("member").getString("shape")
	s.mapKey = n.get("key").getString("shape")
	s.mapValue = n.get("value").getString("shape")
	return s, nil
}

func number(n *node, key string) (*float64, error) {
	lit, ok := n.getNumber(key)
	if !ok {
		return nil, nil
	}
	f, err := strconv.ParseFloat(lit.String(), 64)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &f, nil
}

// check verifies references and the assumptions the emitters make.
func (m *model) check() error {
	ref := func(from, to string) error {
		if _, ok := m.shapes[to]; !ok {
			return fmt.Errorf("%s refers to unknown shape %q", from, to)
		}
		return nil
	}
	for _, name := range m.shapeOrder {
		s := m.shapes[name]
		for _, mem := range s.members {
			if err := ref(name+"."+mem.name, mem.shape); err != nil {
				return err
			}
		}
		for r := range s.required {
			if !slices.ContainsFunc(s.members, func(mem *member) bool { return mem.name == r }) {
				return fmt.Errorf("shape %s: required member %s does not exist", name, r)
			}
		}
		switch s.typ {
		case "list":
			if err := ref(name+".member", s.listMember); err != nil {
				return err
			}
		case "map":
			if err := ref(name+".key", s.mapKey); err != nil {
				return err
			}
			if err := ref(name+".value", s.mapValue); err != nil {
				return err
			}
			if m.shapes[s.mapKey].typ != "string" {
				return fmt.Errorf("map %s: key type %s, only string keys are supported", name, m.shapes[s.mapKey].typ)
			}
		}
	}
	for _, op := range m.operations {
		if err := ref(op.name+".input", op.input); err != nil {
			return err
		}
		if op.output != "" {
			if err := ref(op.name+".output", op.output); err != nil {
				return err
			}
		}
		for _, e := range op.errors {
			if err := ref(op.name+".errors", e); err != nil {
				return err
			}
		}
	}
	return nil
}

// reachable returns the shapes reachable from the given roots, in model order.
func (m *model) reachable(roots []string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		s := m.shapes[name]
		for _, mem := range s.members {
			walk(mem.shape)
		}
		walk(s.listMember)
		walk(s.mapKey)
		walk(s.mapValue)
	}
	for _, r := range roots {
		walk(r)
	}
	return seen
}

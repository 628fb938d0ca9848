package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is a JSON value that remembers the order of object keys. The botocore
// models list structure members in a meaningful order (it decides the order of
// validation problems and of struct fields), and encoding/json's maps would
// lose it.
type node struct {
	kind   nodeKind
	str    string      // kindString
	num    json.Number // kindNumber
	boolv  bool        // kindBool
	keys   []string    // kindObject, in document order
	vals   []*node     // kindObject values (parallel to keys) or kindArray items
	parent *node
}

type nodeKind int

const (
	kindNull nodeKind = iota
	kindString
	kindNumber
	kindBool
	kindObject
	kindArray
)

// parseJSON decodes one JSON document keeping object key order.
func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after JSON document")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return parseFrom(dec, tok)
}

func parseFrom(dec *json.Decoder, tok json.Token) (*node, error) {
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull}, nil
	case string:
		return &node{kind: kindString, str: t}, nil
	case json.Number:
		return &node{kind: kindNumber, num: t}, nil
	case bool:
		return &node{kind: kindBool, boolv: t}, nil
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kindObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T, want string", kt)
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				v.parent = n
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: kindArray}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				v.parent = n
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// get returns the value of key in an object node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// remove deletes key from an object node; it reports whether it was there.
func (n *node) remove(key string) bool {
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return true
		}
	}
	return false
}

func (n *node) getString(key string) string {
	if v := n.get(key); v != nil && v.kind == kindString {
		return v.str
	}
	return ""
}

func (n *node) getBool(key string) bool {
	v := n.get(key)
	return v != nil && v.kind == kindBool && v.boolv
}

// getNumber returns the literal text of a number member and whether it exists.
func (n *node) getNumber(key string) (json.Number, bool) {
	v := n.get(key)
	if v == nil || v.kind != kindNumber {
		return "", false
	}
	return v.num, true
}

// writeJSON renders n with two-space indentation and without HTML escaping,
// so that regex patterns stay readable in the committed trimmed models.
func writeJSON(w *strings.Builder, n *node, indent string) {
	switch n.kind {
	case kindNull:
		w.WriteString("null")
	case kindString:
		writeJSONString(w, n.str)
	case kindNumber:
		w.WriteString(n.num.String())
	case kindBool:
		if n.boolv {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	case kindObject:
		if len(n.keys) == 0 {
			w.WriteString("{}")
			return
		}
		w.WriteString("{\n")
		inner := indent + "  "
		for i, k := range n.keys {
			w.WriteString(inner)
			writeJSONString(w, k)
			w.WriteString(": ")
			writeJSON(w, n.vals[i], inner)
			if i < len(n.keys)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		w.WriteString(indent)
		w.WriteByte('}')
	case kindArray:
		if len(n.vals) == 0 {
			w.WriteString("[]")
			return
		}
		// One item per line keeps diffs of the committed models small.
		w.WriteString("[\n")
		inner := indent + "  "
		for i, v := range n.vals {
			w.WriteString(inner)
			writeJSON(w, v, inner)
			if i < len(n.vals)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		w.WriteString(indent)
		w.WriteByte(']')
	}
}

func writeJSONString(w *strings.Builder, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

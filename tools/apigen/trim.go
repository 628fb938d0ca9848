package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// textKeys are the botocore keys that carry prose for humans. They are dropped
// from the committed models: they are most of the bytes, change with every
// botocore release and say nothing the generator needs.
var textKeys = map[string]bool{
	"documentation":     true,
	"documentationUrl":  true,
	"deprecatedMessage": true,
}

// nameMaps are the keys whose object values are keyed by names chosen by the
// model authors (a member could be called "documentation"), so their own keys
// are never treated as traits.
var nameMaps = map[string]bool{
	"shapes":     true,
	"operations": true,
	"members":    true,
}

// runTrim implements `apigen trim <in.json[.gz]> <out.json>`.
func runTrim(in, out string) error {
	data, err := readMaybeGzip(in)
	if err != nil {
		return err
	}
	root, err := parseJSON(data)
	if err != nil {
		return fmt.Errorf("parse %s: %w", in, err)
	}
	if root.kind != kindObject || root.get("shapes") == nil || root.get("operations") == nil {
		return fmt.Errorf("%s: not a botocore service model (no shapes/operations)", in)
	}
	removed := trimNode(root, false)
	var b strings.Builder
	writeJSON(&b, root, "")
	b.WriteByte('\n')
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "apigen: trimmed %s -> %s (%d text entries removed, %d bytes)\n", in, out, removed, b.Len())
	return nil
}

// trimNode removes text keys below n and returns how many it removed.
// namesHere is true when n's keys are names (see nameMaps).
func trimNode(n *node, namesHere bool) int {
	removed := 0
	switch n.kind {
	case kindObject:
		if !namesHere {
			for k := range textKeys {
				if n.remove(k) {
					removed++
				}
			}
		}
		for i, k := range n.keys {
			removed += trimNode(n.vals[i], !namesHere && nameMaps[k])
		}
	case kindArray:
		for _, v := range n.vals {
			removed += trimNode(v, false)
		}
	}
	return removed
}

func readMaybeGzip(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", path, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", path, err)
	}
	return out, nil
}

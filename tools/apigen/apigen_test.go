package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestTranslatePattern(t *testing.T) {
	tests := []struct {
		java, re2 string
	}{
		{`[a-zA-Z0-9_.-]+`, `^(?:[a-zA-Z0-9_.-]+)$`},
		{`.*`, `^(?:[^\n\r\x{85}\x{2028}\x{2029}]*)$`},
		{`[.]`, `^(?:[.])$`}, // a dot in a class is literal in both
		{`[\u0001-\uFFFF]*`, `^(?:[\x{0001}-\x{FFFF}]*)$`},
		{`^\S+$`, `^(?:^[^\t\n\x0B\f\r ]+$)$`},
		{`[a\s]`, `^(?:[a\t\n\x0B\f\r ])$`},
		{`\p{L}\pN`, `^(?:\p{L}\pN)$`},
		{`[a-zA-Z0-9\\._\\-]+`, `^(?:[a-zA-Z0-9\\._\\-]+)$`},
		{`(?:a)(?<name>b)`, `^(?:(?:a)(?<name>b))$`},
	}
	for _, tt := range tests {
		got, err := translatePattern(tt.java)
		if err != nil || got != tt.re2 {
			t.Errorf("translatePattern(%q) = %q, %v; want %q", tt.java, got, err, tt.re2)
		}
	}
	for _, bad := range []string{
		`^(?!\s*$).+`, `a(?=b)`, `(?<=a)b`, `(?<!a)b`, // look-arounds
		`a++`, `a*+`, `a{2}+`, // possessive
		`(?>a)`, `(?i)a`, // atomic group, inline flags
		`[a-z&&[^m]]`, `[a[b]]`, // class algebra
		`\p{Alpha}`, `\p{IsLatin}`, // Java-only property names
		`\Qa.b\E`, `\Z`, `\h`, `\v`, `\R`, // Java-only escapes
		`[\S]`, `a\`, `[abc`, `\u12`,
	} {
		if re, err := translatePattern(bad); err == nil {
			t.Errorf("translatePattern(%q) = %q, want an error", bad, re)
		}
	}
}

// TestModelPatterns makes sure every pattern of the committed models either
// translates to RE2 or has a hand-written matcher.
func TestModelPatterns(t *testing.T) {
	for _, svc := range services {
		m, err := loadModel(filepath.Join("..", "..", svc.modelFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range m.shapeOrder {
			p := m.shapes[name].pattern
			if p == "" {
				continue
			}
			if hasLookaround(p) {
				if _, ok := svc.lookarounds[p]; !ok {
					t.Errorf("%s: shape %s: look-around pattern %q has no matcher", svc.name, name, p)
				}
				continue
			}
			if _, err := translatePattern(p); err != nil {
				t.Errorf("%s: shape %s: %v", svc.name, name, err)
			}
		}
	}
}

func TestTrim(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	out := filepath.Join(dir, "out.json")
	model := `{"version":"2.0","documentation":"<p>x</p>","metadata":{"protocol":"json","targetPrefix":"T"},
"operations":{"Op":{"name":"Op","input":{"shape":"In"},"documentation":"d","documentationUrl":"u","errors":[{"shape":"E","documentation":"e"}]}},
"shapes":{"In":{"type":"structure","required":["documentation"],"members":{"documentation":{"shape":"S","documentation":"member doc"},"b":{"shape":"S","deprecated":true,"deprecatedMessage":"m"}},"documentation":"s"},
"S":{"type":"string","max":10,"pattern":"[a-z<>&]+","sensitive":true},"E":{"type":"structure","members":{},"exception":true}}}`
	if err := os.WriteFile(in, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runTrim(in, out); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, gone := range []string{"<p>x</p>", `"d"`, `"u"`, "member doc", `"deprecatedMessage"`, `"documentationUrl"`} {
		if strings.Contains(got, gone) {
			t.Errorf("trimmed model still holds %s:\n%s", gone, got)
		}
	}
	// A member named "documentation" is a name, not text: it stays, in order.
	if !strings.Contains(got, `"members": {
        "documentation": {
          "shape": "S"
        },
        "b": {
          "shape": "S",
          "deprecated": true
        }`) {
		t.Errorf("members lost or reordered:\n%s", got)
	}
	for _, kept := range []string{`"pattern": "[a-z<>&]+"`, `"max": 10`, `"sensitive": true`, `"exception": true`, `"required": [`} {
		if !strings.Contains(got, kept) {
			t.Errorf("trimmed model lost %s", kept)
		}
	}
	if _, err := loadModel(out); err != nil {
		t.Errorf("trimmed model does not load: %v", err)
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"GZIP": "CompressionFormatGzip", "HADOOP_SNAPPY": "CompressionFormatHadoopSnappy",
		"Snappy": "CompressionFormatSnappy", "UNCOMPRESSED": "CompressionFormatUncompressed",
		"V0_11": "CompressionFormatV011", "MySQL": "CompressionFormatMySQL", "a.b-c": "CompressionFormatABC",
	} {
		if got := enumConstName("CompressionFormat", in); got != want {
			t.Errorf("enumConstName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"DeliveryStreamName": "deliveryStreamName", "AWSKMSKeyARN": "aWSKMSKeyARN", "code": "code"} {
		if got := wireName(in); got != want {
			t.Errorf("wireName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"code": "Code", "Validate": "ValidateMember", "type": "Type", "a-b": "A_b", "1x": "X1x"} {
		if got := fieldName(in); got != want {
			t.Errorf("fieldName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGeneratedUpToDate regenerates every package into a temporary tree and
// compares it with the committed files, so a model or generator change
// without `go generate ./...` fails here.
func TestGeneratedUpToDate(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, svc := range services {
		out := t.TempDir()
		if err := generate(root, out, svc); err != nil {
			t.Fatal(err)
		}
		fresh := generatedFiles(t, filepath.Join(out, svc.pkgDir))
		committed := generatedFiles(t, filepath.Join(root, svc.pkgDir))
		if strings.Join(keys(fresh), ",") != strings.Join(keys(committed), ",") {
			t.Errorf("%s: generated files %v, committed %v; run go generate ./...", svc.name, keys(fresh), keys(committed))
			continue
		}
		for name, data := range fresh {
			if !bytes.Equal(data, committed[name]) {
				t.Errorf("%s/%s is stale; run go generate ./...", svc.pkgDir, name)
			}
		}
	}
}

func generatedFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "zz_generated_*.go"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = data
	}
	return files
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestGeneratedHeader checks the marker tools use to recognise generated code.
func TestGeneratedHeader(t *testing.T) {
	re := regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)
	for _, svc := range services {
		for name, data := range generatedFiles(t, filepath.Join("..", "..", svc.pkgDir)) {
			if !re.Match(data) {
				t.Errorf("%s/%s lacks the generated-code header", svc.pkgDir, name)
			}
		}
	}
}

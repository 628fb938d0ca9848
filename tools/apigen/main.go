package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// services are the models apigen knows. The look-around table names the
// hand-written matchers of internal/firehosemodel/lookaround.go.
var services = []*service{
	{
		name:        "firehose",
		modelFile:   "tools/apigen/models/firehose-2015-08-04.json",
		pkgDir:      "internal/firehosemodel",
		pkgName:     "firehosemodel",
		javaPackage: "com.amazonaws.firehose.v20150804",
		lookarounds: map[string]string{
			`^(?!\s*$).+`: "matchNonBlankLine",
			`jdbc:(redshift|postgresql)://((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+`: "matchClusterJDBCURL",
			`^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`: "matchTagKey",
		},
	},
	{
		name:        "kms",
		modelFile:   "tools/apigen/models/kms-2014-11-01.json",
		pkgDir:      "internal/kmsmodel",
		pkgName:     "kmsmodel",
		javaPackage: "com.amazonaws.kms",
		lookarounds: map[string]string{},
	},
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "apigen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: apigen trim <in> <out> | apigen gen [-service name]")
	}
	switch args[0] {
	case "trim":
		if len(args) != 3 {
			return errors.New("usage: apigen trim <botocore service-2.json[.gz]> <out.json>")
		}
		return runTrim(args[1], args[2])
	case "gen":
		fs := flag.NewFlagSet("gen", flag.ContinueOnError)
		only := fs.String("service", "", "generate only this service (firehose or kms); default all")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		root, err := repoRoot()
		if err != nil {
			return err
		}
		done := false
		for _, svc := range services {
			if *only != "" && svc.name != *only {
				continue
			}
			if err := generate(root, root, svc); err != nil {
				return fmt.Errorf("%s: %w", svc.name, err)
			}
			done = true
		}
		if !done {
			return fmt.Errorf("unknown service %q", *only)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// repoRoot finds the module root (the directory holding go.mod) from the
// working directory, so that both `go run ./tools/apigen gen` at the root and
// `go generate` inside a package work.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// generate reads svc's model under root and writes its package under
// outRoot (the same directory, except in the up-to-date test).
func generate(root, outRoot string, svc *service) error {
	m, err := loadModel(filepath.Join(root, svc.modelFile))
	if err != nil {
		return err
	}
	g, err := newGenerator(svc, m)
	if err != nil {
		return err
	}
	validate, err := g.genValidate()
	if err != nil {
		return err
	}
	dir := filepath.Join(outRoot, svc.pkgDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Remove earlier output first so a file that is no longer produced
	// (fewer split parts) does not linger.
	old, _ := filepath.Glob(filepath.Join(dir, "zz_generated_*.go"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	var written []string
	for _, part := range []struct {
		base   string
		chunks []chunk
	}{
		{"zz_generated_types", g.genTypes()},
		{"zz_generated_enums", g.genEnums()},
		{"zz_generated_operations", g.genOperations()},
		{"zz_generated_validate", validate},
	} {
		names, err := g.writeChunks(dir, part.base, part.chunks)
		if err != nil {
			return err
		}
		written = append(written, names...)
	}
	fmt.Fprintf(os.Stderr, "apigen: %s: wrote %s/{%s}\n", svc.name, svc.pkgDir, strings.Join(written, ","))
	return nil
}

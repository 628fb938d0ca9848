package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// TestConfigDocListsEveryOption keeps docs/CONFIG.md true: every option
// must have its row, with its environment variable.
func TestConfigDocListsEveryOption(t *testing.T) {
	doc, err := os.ReadFile("../../docs/CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	c := Defaults()
	c.FlagSet("sluice").VisitAll(func(f *flag.Flag) {
		row := "| `--" + f.Name + "` | `" + EnvName(f.Name) + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/CONFIG.md has no row for --%s (want a line starting %q)", f.Name, row)
		}
	})
}

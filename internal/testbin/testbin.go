// Package testbin builds the sluice binary for tests that run it as a
// separate process (crash tests kill it with SIGKILL).
package testbin

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BuildSluice builds ./cmd/sluice into a temporary directory and returns the
// binary's path. It skips the test when there is no go command.
func BuildSluice(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "sluice")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/sluice")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/sluice: %v\n%s", err, out)
	}
	return bin
}

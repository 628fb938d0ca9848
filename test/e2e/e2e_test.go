// Package e2e runs the end-to-end scripts: the built sluice binary driven
// by real AWS tools (the AWS CLI), as users drive it.
package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCLIControlPlaneScript runs cli_controlplane.sh: create, describe,
// list, tag, update, delete and restart through the AWS CLI.
func TestCLIControlPlaneScript(t *testing.T) {
	runScript(t, "cli_controlplane.sh")
}

var summary = regexp.MustCompile(`(?m)^(\d+) passed, 0 failed$`)

// runScript runs one script of this directory and requires its final
// summary line to report no failures.
func runScript(t *testing.T, script string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end script: skipped with -short")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the AWS CLI (aws) is not on PATH; CI must provide it (pip install awscli)")
		}
		t.Skip("the AWS CLI (aws) is not on PATH: install it (pip install awscli) to run the end-to-end scripts")
	}

	timeout := 10 * time.Minute
	if d, ok := t.Deadline(); ok {
		timeout = time.Until(d) - 30*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	// On timeout, SIGTERM lets the script's trap stop the server it
	// started; SIGKILL follows if it does not finish.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	w := io.Writer(&out)
	if testing.Verbose() {
		w = io.MultiWriter(&out, os.Stdout)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Run()
	if !testing.Verbose() {
		t.Log("\n" + out.String())
	}
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !summary.MatchString(last) {
		t.Fatalf("%s: last line %q, want \"N passed, 0 failed\"", script, last)
	}
}

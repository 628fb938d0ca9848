package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:4573" || c.DataDir != "./sluice-data" || c.AccountID != "000000000000" {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestPrecedenceFlagEnvFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sluice.yaml")
	yaml := "listen: 127.0.0.1:1111\ndata-dir: /from/file\naccount-id: \"111111111111\"\ncreate-delay: 3s\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{
		"SLUICE_CONFIG":   file,
		"SLUICE_DATA_DIR": "/from/env",
		"SLUICE_LISTEN":   "127.0.0.1:2222",
	})
	c, err := Load([]string{"--listen", "127.0.0.1:3333"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:3333" {
		t.Errorf("listen = %s, want the flag's value", c.Listen)
	}
	if c.DataDir != "/from/env" {
		t.Errorf("data-dir = %s, want the environment's value", c.DataDir)
	}
	if c.AccountID != "111111111111" || c.CreateDelay != 3*time.Second {
		t.Errorf("file values not applied: %+v", c)
	}
}

func TestInvalidValues(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--account-id", "123"}, "account-id"},
		{[]string{"--listen", "nonsense"}, "listen"},
		{[]string{"--log-level", "loud"}, "log-level"},
		{[]string{"--region", "Mars"}, "region"},
		{[]string{"extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		_, err := Load(tt.args, envOf(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%v) error = %v, want mention of %q", tt.args, err, tt.want)
		}
	}
}

func TestUnknownFileOption(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sluice.yaml")
	if err := os.WriteFile(file, []byte("lisen: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{"--config", file}, envOf(nil)); err == nil || !strings.Contains(err.Error(), "lisen") {
		t.Fatalf("error = %v", err)
	}
}

package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	secretA = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	secretB = "s3cr3t+B/with/slashes"
)

func TestCredentialsFromFlagsEnvAndFile(t *testing.T) {
	want := Credentials{
		{AccessKeyID: "AKIDA", SecretAccessKey: secretA, AccountID: "111111111111"},
		{AccessKeyID: "AKIDB", SecretAccessKey: secretB},
	}
	check := func(t *testing.T, c Config) {
		t.Helper()
		if len(c.Credentials) != len(want) {
			t.Fatalf("credentials = %v, want %v", c.Credentials, want)
		}
		for i := range want {
			if c.Credentials[i] != want[i] {
				t.Fatalf("credential %d = %v, want %v", i, c.Credentials[i], want[i])
			}
		}
	}
	t.Run("repeated flag", func(t *testing.T) {
		c, err := Load([]string{"--credentials", "AKIDA:" + secretA + ":111111111111", "--credentials", "AKIDB:" + secretB}, envOf(nil))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c)
	})
	t.Run("comma-separated environment", func(t *testing.T) {
		c, err := Load(nil, envOf(map[string]string{"SLUICE_CREDENTIALS": "AKIDA:" + secretA + ":111111111111, AKIDB:" + secretB}))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c)
	})
	t.Run("YAML list", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "sluice.yaml")
		yaml := "credentials:\n  - AKIDA:" + secretA + ":111111111111\n  - \"AKIDB:" + secretB + "\"\nregions: [us-east-1, eu-west-1]\n"
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load([]string{"--config", file}, envOf(nil))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c)
		if strings.Join(c.Regions, ",") != "us-east-1,eu-west-1" {
			t.Fatalf("regions = %v", c.Regions)
		}
	})
	t.Run("flag wins over file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "sluice.yaml")
		if err := os.WriteFile(file, []byte("credentials: [\"AKIDC:x\"]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load([]string{"--config", file, "--credentials", "AKIDA:" + secretA + ":111111111111,AKIDB:" + secretB}, envOf(nil))
		if err != nil {
			t.Fatal(err)
		}
		check(t, c)
	})
}

// TestCredentialErrorsHideSecrets: a bad entry is reported by position and access key, and
// the flag package never gets a chance to echo the value.
func TestCredentialErrorsHideSecrets(t *testing.T) {
	tests := []struct {
		value string
		want  string
	}{
		{"AKIDA", "want ACCESS_KEY:SECRET"},
		{"AKIDA:" + secretA + ":1234", "12 digits"},
		{"AKIDA:" + secretA + ":111111111111:extra", "want ACCESS_KEY:SECRET"},
		{"AK/ID:" + secretA, "access key"},
		{"AKIDA:", "secret must not be empty"},
		{"AKIDA:" + secretA + ",AKIDA:" + secretB, "also entry 1"},
	}
	for _, tt := range tests {
		_, err := Load([]string{"--credentials", tt.value}, envOf(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--credentials %q: error %v, want mention of %q", strings.Split(tt.value, ":")[0], err, tt.want)
			continue
		}
		for _, secret := range []string{secretA, secretB} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows a secret", err)
			}
		}
	}
}

func TestCredentialNeverPrintsSecret(t *testing.T) {
	c, err := Load([]string{"--credentials", "AKIDA:" + secretA + ":111111111111"}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", c, "cred", c.Credentials[0], "creds", c.Credentials)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cred", c.Credentials[0])
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, c.Credentials.String()) + logs.String()
	if strings.Contains(out, secretA) || strings.Contains(out, "wJalr") {
		t.Fatalf("secret printed:\n%s", out)
	}
	if !strings.Contains(out, "AKIDA") {
		t.Fatalf("the access key should stay visible:\n%s", out)
	}
}

func TestSecurityOptionValidation(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", "c.pem"}, "tls-cert and tls-key"},
		{[]string{"--regions", "us-east-1,Mars"}, "regions"},
		{[]string{"--max-in-flight", "-1"}, "max-in-flight"},
		{[]string{"--max-clock-skew", "0s"}, "max-clock-skew"},
		{[]string{"--read-header-timeout", "0s"}, "read-header-timeout"},
	}
	for _, tt := range tests {
		_, err := Load(tt.args, envOf(nil))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%v) error = %v, want mention of %q", tt.args, err, tt.want)
		}
	}
	c, err := Load([]string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--max-clock-skew", "15m"}, envOf(nil))
	if err != nil || c.TLSCert != "c.pem" || c.MaxClockSkew != 15*time.Minute {
		t.Fatalf("Load = %+v, %v", c, err)
	}
}

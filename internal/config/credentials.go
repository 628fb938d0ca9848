package config

import (
	"fmt"
	"log/slog"
	"strings"
)

// Credential is one access key Sluice accepts: --credentials
// ACCESS_KEY:SECRET[:ACCOUNT]. An empty AccountID means the --account-id
// account.
//
// The secret never leaves this value in text form: String, GoString and
// LogValue all redact it, so a Config printed or logged by mistake shows no
// secret.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string

	// invalid says what is wrong with an entry that could not be parsed.
	// Parsing never fails in Set, because the flag package would echo the
	// whole value (secret included) in its error; Validate reports it
	// instead, naming only the entry's position and access key.
	invalid string
}

const redacted = "<redacted>"

func (c Credential) String() string {
	s := c.AccessKeyID + ":" + redacted
	if c.AccountID != "" {
		s += ":" + c.AccountID
	}
	return s
}

// GoString keeps %#v from printing the secret.
func (c Credential) GoString() string { return "config.Credential{" + c.String() + "}" }

// LogValue keeps slog from printing the secret.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.String("account_id", c.AccountID))
}

// Credentials is the list of accepted access keys. As a flag it may be
// repeated, and each value may hold several comma-separated entries; in the
// YAML file it is a list of strings (or one comma-separated string).
type Credentials []Credential

// String implements flag.Value, without secrets.
func (cs *Credentials) String() string {
	if cs == nil {
		return ""
	}
	parts := make([]string, len(*cs))
	for i, c := range *cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// Set implements flag.Value: it appends the comma-separated entries of v.
// It never fails (see Credential.invalid); Validate reports bad entries.
func (cs *Credentials) Set(v string) error {
	for _, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		*cs = append(*cs, parseCredential(entry))
	}
	return nil
}

func parseCredential(entry string) Credential {
	parts := strings.Split(entry, ":")
	c := Credential{AccessKeyID: parts[0]}
	if len(parts) < 2 || len(parts) > 3 {
		// Name only the access key, never the rest: it may be a secret.
		c.invalid = "want ACCESS_KEY:SECRET or ACCESS_KEY:SECRET:ACCOUNT"
		return c
	}
	c.SecretAccessKey = parts[1]
	if len(parts) == 3 {
		c.AccountID = parts[2]
	}
	switch {
	case !validAccessKeyID(c.AccessKeyID):
		c.invalid = "the access key must be 1 to 128 letters, digits or _+=.@- characters"
	case c.SecretAccessKey == "" || strings.TrimSpace(c.SecretAccessKey) != c.SecretAccessKey:
		c.invalid = "the secret must not be empty nor start or end with spaces"
	case len(parts) == 3 && !accountPattern.MatchString(c.AccountID):
		c.invalid = "the account must be 12 digits"
	}
	return c
}

// validAccessKeyID accepts what AWS access keys look like and a little more
// (test fixtures use lower case), but never '/', which separates the parts
// of a SigV4 credential scope, nor spaces or control characters.
func validAccessKeyID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_+=.@-", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// validate reports every bad or duplicate entry, naming entries by position
// and access key only.
func (cs Credentials) validate() []error {
	var errs []error
	seen := make(map[string]int, len(cs))
	for i, c := range cs {
		name := fmt.Sprintf("config: credentials entry %d (access key %q)", i+1, c.AccessKeyID)
		if c.invalid != "" {
			errs = append(errs, fmt.Errorf("%s: %s", name, c.invalid))
			continue
		}
		if first, dup := seen[c.AccessKeyID]; dup {
			errs = append(errs, fmt.Errorf("%s: the access key is also entry %d", name, first))
			continue
		}
		seen[c.AccessKeyID] = i + 1
	}
	return errs
}

// stringList is a flag.Value for a list option: repeatable, each value
// comma-separated.
type stringList []string

func (l *stringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *stringList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

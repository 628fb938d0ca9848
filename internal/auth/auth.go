package auth

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// Config configures an Authenticator.
type Config struct {
	// Credentials are the accepted keys. A credential with an empty AccountID acts for
	// DefaultAccount. None selects development mode.
	Credentials []sigv4.Credential
	// DefaultAccount is the account of unsigned requests in development mode, of development
	// mode keys that are not 12 digits, and of credentials configured without one.
	DefaultAccount string
	// DefaultRegion is the region of unsigned requests in development mode.
	DefaultRegion string
	// Regions, when not empty, are the only regions a scope may name.
	Regions []string
	// MaxSkew is the accepted clock skew; zero means sigv4.DefaultMaxSkew.
	MaxSkew time.Duration
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// Log receives debug lines about refused requests; nil discards them.
	Log *slog.Logger
}

// Authenticator implements awsproto.Authenticator and awsproto.PreAuthenticator with SigV4.
// It is safe for concurrent use.
type Authenticator struct {
	verifier       *sigv4.Verifier
	creds          sigv4.StaticCredentials
	dev            bool
	regionList     bool
	defaultAccount string
	defaultRegion  string
	log            *slog.Logger
}

var (
	_ awsproto.Authenticator    = (*Authenticator)(nil)
	_ awsproto.PreAuthenticator = (*Authenticator)(nil)
)

// isAccountID reports whether s is an AWS account ID: 12 digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRegionName reports whether s looks like an AWS region name, by the pattern config uses
// for --region (`^[a-z]{2}(-[a-z]+)+-\d+$`), so a region the server can be configured with can
// also be signed for. It is written out rather than a regexp because every signed request
// checks it; names_test.go holds it to the regexp.
func isRegionName(s string) bool {
	if len(s) < 2 || !isLower(s[0]) || !isLower(s[1]) {
		return false
	}
	// Then "-letters" once or more, and "-digits" to end.
	rest, letterParts := s[2:], 0
	for {
		if len(rest) == 0 || rest[0] != '-' {
			return false
		}
		rest = rest[1:]
		n := 0
		for n < len(rest) && isLower(rest[n]) {
			n++
		}
		if n > 0 {
			rest, letterParts = rest[n:], letterParts+1
			continue
		}
		for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
			n++
		}
		return n > 0 && n == len(rest) && letterParts > 0
	}
}

func isLower(b byte) bool { return 'a' <= b && b <= 'z' }

// New returns an Authenticator for cfg. It refuses a configuration that would make identities
// ambiguous (the same access key twice) or unusable (an account that is not 12 digits).
func New(cfg Config) (*Authenticator, error) {
	if !isAccountID(cfg.DefaultAccount) {
		return nil, fmt.Errorf("auth: default account %q must be 12 digits", cfg.DefaultAccount)
	}
	if cfg.DefaultRegion == "" {
		return nil, errors.New("auth: default region must not be empty")
	}
	creds := make(sigv4.StaticCredentials, len(cfg.Credentials))
	for i, c := range cfg.Credentials {
		// Errors name the key, never the secret.
		switch {
		case c.AccessKeyID == "" || strings.ContainsAny(c.AccessKeyID, "/ \t\r\n"):
			return nil, fmt.Errorf("auth: credential %d: access key %q is empty or has '/' or spaces", i+1, c.AccessKeyID)
		case c.SecretAccessKey == "":
			return nil, fmt.Errorf("auth: credential %d (%s): empty secret", i+1, c.AccessKeyID)
		case c.AccountID != "" && !isAccountID(c.AccountID):
			return nil, fmt.Errorf("auth: credential %d (%s): account %q must be 12 digits", i+1, c.AccessKeyID, c.AccountID)
		}
		if _, dup := creds[c.AccessKeyID]; dup {
			return nil, fmt.Errorf("auth: credential %d: access key %s configured twice", i+1, c.AccessKeyID)
		}
		if c.AccountID == "" {
			c.AccountID = cfg.DefaultAccount
		}
		creds[c.AccessKeyID] = c
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a := &Authenticator{
		creds:          creds,
		dev:            len(creds) == 0,
		regionList:     len(cfg.Regions) > 0,
		defaultAccount: cfg.DefaultAccount,
		defaultRegion:  cfg.DefaultRegion,
		log:            log,
	}
	a.verifier = sigv4.NewVerifier(sigv4.Config{
		Credentials: creds,
		Regions:     cfg.Regions,
		MaxSkew:     cfg.MaxSkew,
		Now:         cfg.Now,
	})
	return a, nil
}

// DevelopmentMode reports whether no credentials are configured, so that any well-formed
// signature, and no signature at all, is accepted.
func (a *Authenticator) DevelopmentMode() bool { return a.dev }

// Keys returns the number of configured access keys and of distinct accounts they act for,
// for the start-up log line.
func (a *Authenticator) Keys() (keys, accounts int) {
	seen := make(map[string]bool)
	for _, c := range a.creds {
		seen[c.AccountID] = true
	}
	return len(a.creds), len(seen)
}

// PreAuthenticate implements awsproto.PreAuthenticator: with credentials configured it refuses,
// before the body is read, a request that carries no signature or names an unknown access key.
// Everything else (including a malformed Authorization header, which Verify describes more
// precisely) is left to Authenticate.
func (a *Authenticator) PreAuthenticate(r *http.Request, signingName string) error {
	if a.dev {
		return nil
	}
	if !sigv4.HasSignature(r) {
		_, err := a.verifier.Verify(r, nil, signingName) // the missing-signature error, in the service's words
		return a.refuse(r, signingName, err)
	}
	scope, err := sigv4.ParseScope(r)
	if err != nil {
		return nil
	}
	if _, ok := a.creds.Lookup(scope.AccessKeyID); !ok {
		return a.refuse(r, signingName, unknownKey(signingName))
	}
	return nil
}

// unknownKey is the error of an access key nobody configured, as the verifier would report it.
func unknownKey(signingName string) *sigv4.Error {
	if signingName == "s3" {
		return &sigv4.Error{Code: sigv4.CodeS3InvalidAccessKeyID, Message: sigv4.MsgS3InvalidAccessKeyID, HTTPStatus: http.StatusForbidden}
	}
	return &sigv4.Error{Code: sigv4.CodeUnrecognizedClient, Message: sigv4.MsgUnrecognizedClient, HTTPStatus: http.StatusBadRequest}
}

// Authenticate implements awsproto.Authenticator. body is the whole request body (SigV4 signs
// its hash); signingName is "firehose", "kms" or "s3". A refusal is an *awsproto.Error
// carrying the code, message and HTTP status AWS answers with for that service.
func (a *Authenticator) Authenticate(r *http.Request, body []byte, signingName string) (awsproto.Identity, error) {
	if a.dev && !sigv4.HasSignature(r) {
		return awsproto.Identity{AccountID: a.defaultAccount, Region: a.defaultRegion}, nil
	}
	res, err := a.verifier.Verify(r, body, signingName)
	if err != nil {
		return awsproto.Identity{}, a.refuse(r, signingName, err)
	}
	if !a.regionList && !isRegionName(res.Region) {
		return awsproto.Identity{}, a.refuse(r, signingName, a.badRegion(res.Region, signingName))
	}
	account := res.AccountID
	if a.dev {
		account = a.devAccount(res.AccessKeyID)
	}
	return awsproto.Identity{AccessKeyID: res.AccessKeyID, AccountID: account, Region: res.Region}, nil
}

// devAccount is the development-mode rule: a 12-digit access key names its account.
func (a *Authenticator) devAccount(accessKeyID string) string {
	if isAccountID(accessKeyID) {
		return accessKeyID
	}
	return a.defaultAccount
}

// badRegion is the error for a scope region that is no region name, worded as the verifier
// words a region outside the allow-list.
func (a *Authenticator) badRegion(region, signingName string) *sigv4.Error {
	if signingName == "s3" {
		return &sigv4.Error{
			Code:       sigv4.CodeS3AuthorizationHeaderMalformed,
			Message:    fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", region, a.defaultRegion),
			HTTPStatus: http.StatusBadRequest,
		}
	}
	return &sigv4.Error{
		Code:       sigv4.CodeInvalidSignature,
		Message:    fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", region),
		HTTPStatus: http.StatusBadRequest,
	}
}

// refuse logs a refusal at debug level and converts it for the wire.
func (a *Authenticator) refuse(r *http.Request, signingName string, err error) error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		// The verifier documents that it returns only *sigv4.Error; anything else is a bug,
		// answered as an internal failure by awsproto.
		return fmt.Errorf("auth: verify %s request: %w", signingName, err)
	}
	if a.log.Enabled(r.Context(), slog.LevelDebug) {
		attrs := []any{
			"request_id", awsproto.RequestIDFromContext(r.Context()),
			"service", signingName,
			"code", se.Code,
			"message", se.Message,
			"remote", r.RemoteAddr,
		}
		if scope, err := sigv4.ParseScope(r); err == nil {
			attrs = append(attrs, "access_key_id", scope.AccessKeyID, "region", scope.Region, "scope_service", scope.Service)
		}
		if se.CanonicalRequest != "" {
			attrs = append(attrs, "canonical_request", redactCanonical(se.CanonicalRequest), "string_to_sign", se.StringToSign)
		}
		a.log.DebugContext(r.Context(), "request refused", attrs...)
	}
	return &awsproto.Error{Code: se.Code, Message: se.Message, Status: se.HTTPStatus}
}

// redactCanonical removes the session token from a canonical request before it is logged: a
// token is a credential, and clients sign it as an ordinary header. Nothing else in a
// canonical request is secret (the signature and secret key never appear in it).
func redactCanonical(creq string) string {
	lines := strings.Split(creq, "\n")
	for i, l := range lines {
		if name, _, ok := strings.Cut(l, ":"); ok && name == "x-amz-security-token" {
			lines[i] = name + ":<redacted>"
		}
	}
	// The third line is the canonical query, where a presigned request carries its token.
	if len(lines) > 2 {
		params := strings.Split(lines[2], "&")
		for i, p := range params {
			if name, _, ok := strings.Cut(p, "="); ok && name == "X-Amz-Security-Token" {
				params[i] = name + "=<redacted>"
			}
		}
		lines[2] = strings.Join(params, "&")
	}
	return strings.Join(lines, "\n")
}

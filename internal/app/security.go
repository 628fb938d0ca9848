package app

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/sluicehq/sluice/internal/auth"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/bucketstore"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// newAuthenticator builds the SigV4 authenticator from the configured credentials and says at
// start-up, in one line, whether requests are verified.
func (a *App) newAuthenticator() (*auth.Authenticator, error) {
	creds := make([]sigv4.Credential, len(a.cfg.Credentials))
	for i, c := range a.cfg.Credentials {
		creds[i] = sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, AccountID: c.AccountID}
	}
	authn, err := auth.New(auth.Config{
		Credentials:    creds,
		DefaultAccount: a.cfg.AccountID,
		DefaultRegion:  a.cfg.Region,
		Regions:        a.cfg.Regions,
		MaxSkew:        a.cfg.MaxClockSkew,
		Log:            a.log.With("component", "auth"),
	})
	if err != nil {
		return nil, fmt.Errorf("app: authentication: %w", err)
	}
	if authn.DevelopmentMode() {
		a.log.Warn("DEVELOPMENT MODE: no --credentials configured, so any well-formed SigV4 signature is accepted whatever its secret, and unsigned requests act as account " +
			a.cfg.AccountID + "; configure --credentials before exposing this port")
	} else {
		keys, accounts := authn.Keys()
		a.log.Info("SigV4 authentication required", "access_keys", keys, "accounts", accounts, "max_clock_skew", a.cfg.MaxClockSkew.String())
	}
	return authn, nil
}

// secureListener wraps ln in TLS when a certificate is configured; on failure it closes ln. The pair is loaded here, at
// start-up, so a bad file stops the server instead of failing every handshake.
//
// Only HTTP/1.1 is offered: every AWS client speaks it to these APIs, and the server's
// slowloris defences (header and idle timeouts) are those of HTTP/1.1.
func (a *App) secureListener(ln net.Listener) (net.Listener, error) {
	if a.cfg.TLSCert == "" {
		return ln, nil
	}
	cert, err := tls.LoadX509KeyPair(a.cfg.TLSCert, a.cfg.TLSKey)
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("app: load TLS certificate %s and key %s: %w", a.cfg.TLSCert, a.cfg.TLSKey, err)
	}
	a.log.Info("serving HTTPS", "cert", a.cfg.TLSCert)
	return tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}), nil
}

// maxS3AuthBody bounds the body the S3 API's authentication reads: that API takes no object
// uploads, only small XML documents (a CreateBucketConfiguration).
const maxS3AuthBody = 64 << 10

// identifyS3 authenticates a call to the built-in bucket store's S3 API with the same
// authenticator as the JSON APIs, signing name "s3" (so refusals carry S3's codes: AccessDenied,
// SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed, ...), and names its account.
// SigV4 covers the body's hash, so the (small) body is read here and put back for the handler.
func (a *App) identifyS3(r *http.Request) (string, error) {
	if err := a.authn.PreAuthenticate(r, "s3"); err != nil {
		return "", s3Error(err)
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxS3AuthBody+1))
		if err != nil {
			return "", &bucketstore.Error{Code: "IncompleteBody", Status: http.StatusBadRequest, Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
		}
		if len(body) > maxS3AuthBody {
			return "", &bucketstore.Error{Code: "MaxMessageLengthExceeded", Status: http.StatusBadRequest, Message: "Your request was too big."}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	id, err := a.authn.Authenticate(r, body, "s3")
	if err != nil {
		return "", s3Error(err)
	}
	return id.AccountID, nil
}

// s3Error gives an authentication refusal the bucket store's error type, which it renders as
// S3 XML with the same code, message and status.
func s3Error(err error) error {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		return err // the bucket store answers InternalError and logs it
	}
	return &bucketstore.Error{Code: e.Code, Status: e.Status, Message: e.Message}
}

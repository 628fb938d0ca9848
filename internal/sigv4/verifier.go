package sigv4

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Credential is one access key Sluice accepts.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// AccountID is the AWS account the key acts for; it ends up in ARNs.
	AccountID string
	// SessionToken, when set, must be sent (as X-Amz-Security-Token) with every request signed
	// by this key, the way temporary credentials work in AWS. When empty, a request that
	// carries a token is refused: the token would claim something Sluice cannot check.
	SessionToken string
}

// CredentialSource looks up a credential by access key ID. Implementations must be safe for
// concurrent use; Lookup is called once per verified request.
type CredentialSource interface {
	Lookup(accessKeyID string) (Credential, bool)
}

// StaticCredentials is a fixed set of credentials keyed by access key ID, the form the
// configuration file produces.
type StaticCredentials map[string]Credential

// NewStaticCredentials indexes creds by access key ID.
func NewStaticCredentials(creds ...Credential) StaticCredentials {
	s := make(StaticCredentials, len(creds))
	for _, c := range creds {
		s[c.AccessKeyID] = c
	}
	return s
}

// Lookup implements CredentialSource.
func (s StaticCredentials) Lookup(accessKeyID string) (Credential, bool) {
	c, ok := s[accessKeyID]
	return c, ok
}

// Defaults and limits.
const (
	// DefaultMaxSkew is the clock skew Firehose and Kinesis tolerate (other services allow 15
	// minutes with the same message).
	DefaultMaxSkew = 5 * time.Minute
	// DefaultKeyCacheSize bounds the derived signing keys kept in memory.
	DefaultKeyCacheSize = 1024
	// maxPresignExpires is the longest X-Amz-Expires SigV4 allows: one week, in seconds.
	maxPresignExpires = 604800
)

// Config configures a Verifier.
type Config struct {
	// Credentials are the accepted access keys. Nil, or an empty StaticCredentials, selects
	// development mode: every well-formed signature is accepted whatever secret signed it,
	// and neither the clock skew nor a presigned URL's expiry is enforced (local tools, test
	// fixtures and containers with drifting clocks should just work). Development mode still
	// checks the signature's form, the credential scope (service, terminator, date) and the
	// payload hash, and reports the access key so the caller can map it to an account.
	Credentials CredentialSource
	// Regions, when not empty, are the only regions a credential scope may name. When empty,
	// any non-empty region is accepted.
	Regions []string
	// MaxSkew is the largest accepted difference between the request time and the server
	// clock. Zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// KeyCacheSize bounds the signing-key cache; zero means DefaultKeyCacheSize.
	KeyCacheSize int
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	creds   CredentialSource
	dev     bool
	regions []string
	maxSkew time.Duration
	now     func() time.Time
	keys    *keyCache
}

// NewVerifier returns a Verifier for cfg, with defaults filled in.
func NewVerifier(cfg Config) *Verifier {
	v := &Verifier{
		creds:   cfg.Credentials,
		regions: append([]string(nil), cfg.Regions...),
		maxSkew: cfg.MaxSkew,
		now:     cfg.Now,
	}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	if v.now == nil {
		v.now = time.Now
	}
	size := cfg.KeyCacheSize
	if size <= 0 {
		size = DefaultKeyCacheSize
	}
	v.keys = newKeyCache(size)
	if sc, ok := v.creds.(StaticCredentials); v.creds == nil || ok && len(sc) == 0 {
		v.dev = true
	}
	return v
}

// DevelopmentMode reports whether the Verifier accepts any secret, so the server can say so
// at start-up.
func (v *Verifier) DevelopmentMode() bool { return v.dev }

// Result describes a verified request: who signed it and for what scope.
type Result struct {
	AccessKeyID string
	// AccountID is the credential's account; empty in development mode, where the caller maps
	// the access key to an account itself.
	AccountID    string
	Region       string
	Service      string
	SessionToken string
	SignedAt     time.Time
	Presigned    bool
	// Development is true when the secret was not checked (development mode).
	Development bool
}

// claim is what a request says about its own signature, gathered from either the
// Authorization header or the presign query so the checks after parsing are shared.
type claim struct {
	presigned bool
	auth      Authorization
	amzDate   string    // the date in ISO-8601 basic format, as the string to sign uses it
	signedAt  time.Time // the parsed date
	expires   int64     // X-Amz-Expires in seconds, -1 when absent
	token     string
}

// Verify checks r's signature. body is the whole request body, already read (empty for the S3
// read calls). expectedService is the signing name the endpoint answers for: "firehose", "kms"
// or "s3", chosen by the caller from X-Amz-Target or the path. Every error is an *Error, with
// S3's codes when expectedService is "s3" and the Coral services' codes otherwise.
func (v *Verifier) Verify(r *http.Request, body []byte, expectedService string) (Result, error) {
	res, err := v.verify(r, body, expectedService)
	if err != nil {
		return Result{}, err // a nil *Error must not become a non-nil error
	}
	return res, nil
}

func (v *Verifier) verify(r *http.Request, body []byte, service string) (Result, *Error) {
	s3 := service == "s3"
	path, rawQuery := requestTarget(r)
	params := parseQuery(rawQuery)

	c, f := readClaim(r, params, s3)
	refuse := func(f *failure) (Result, *Error) { return Result{}, f.toError(s3, c.presigned) }
	if f != nil {
		return refuse(f)
	}
	scope, f := parseCredential(c.auth.Credential, c.presigned)
	if f != nil {
		return refuse(f)
	}
	signed := splitSignedHeaders(c.auth.SignedHeaders)
	if !hasHost(signed) {
		return refuse(fail(kindHostNotSigned,
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
			"The authorization header is malformed; 'host' must be a signed header."))
	}
	if f := v.checkScope(scope, service, c); f != nil {
		return refuse(f)
	}
	if !v.dev {
		if f := v.checkTime(c); f != nil {
			return refuse(f)
		}
	}
	// Hashing the body only serves the signature check, which development
	// mode skips; at PutRecordBatch rates the hash is about a tenth of the
	// server's CPU. A stated x-amz-content-sha256 is still checked.
	var payloadHash string
	if !v.dev || r.Header.Get("X-Amz-Content-Sha256") != "" {
		var f *failure
		if payloadHash, f = payloadHashOf(r, body, s3, c.presigned); f != nil {
			return refuse(f)
		}
	}

	res := Result{
		AccessKeyID:  scope.AccessKeyID,
		Region:       scope.Region,
		Service:      scope.Service,
		SessionToken: c.token,
		SignedAt:     c.signedAt,
		Presigned:    c.presigned,
		Development:  v.dev,
	}
	if v.dev {
		return res, nil
	}

	cred, ok := v.creds.Lookup(scope.AccessKeyID)
	if !ok {
		return refuse(fail(kindUnknownAccessKey, MsgUnrecognizedClient, MsgS3InvalidAccessKeyID))
	}
	if creq, sts, ok := v.checkSignature(r, path, params, signed, payloadHash, scope, cred, c, s3); !ok {
		_, e := refuse(fail(kindSignatureMismatch, MsgSignatureDoesNotMatch, MsgS3SignatureDoesNotMatch))
		e.CanonicalRequest, e.StringToSign = creq, sts
		return Result{}, e
	}
	// The token is compared after the signature, as Coral does: a valid signature proves the
	// caller holds the secret, and only then is the token worth judging.
	if (cred.SessionToken != "" || c.token != "") && !hmac.Equal([]byte(cred.SessionToken), []byte(c.token)) {
		return refuse(fail(kindBadToken, MsgUnrecognizedClient, MsgS3InvalidToken))
	}
	res.AccountID = cred.AccountID
	return res, nil
}

// readClaim collects the signature's parameters from whichever mechanism the request uses and
// checks that they are complete and well formed.
func readClaim(r *http.Request, params []queryParam, s3 bool) (claim, *failure) {
	c := claim{expires: -1}
	headers := r.Header.Values("Authorization")
	hasHeader := len(headers) > 0 && strings.TrimSpace(strings.Join(headers, "")) != ""
	c.presigned = !hasHeader && isPresigned(params)
	switch {
	case hasHeader && isPresigned(params):
		return c, fail(kindBothMechanisms,
			"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	case !hasHeader && !c.presigned:
		return c, fail(kindMissingAuth, MsgMissingAuthenticationToken, MsgS3AccessDenied)
	case hasHeader:
		return readHeaderClaim(r, headers, c)
	default:
		return readQueryClaim(params, c, s3)
	}
}

func readHeaderClaim(r *http.Request, headers []string, c claim) (claim, *failure) {
	if len(headers) > 1 {
		return c, fail(kindMalformedHeader,
			"Request has more than one Authorization header. Authorization="+strings.Join(headers, ", "),
			MsgS3HeaderNeedsThreeParts)
	}
	a, f := parseAuthorization(headers[0])
	if f != nil {
		return c, f
	}
	c.auth = a
	date, fromDateHeader := r.Header.Get("X-Amz-Date"), false
	if date == "" {
		date, fromDateHeader = r.Header.Get("Date"), true
	}
	if f := missingHeaderParts(a, headers[0], date != ""); f != nil {
		return c, f
	}
	if f := c.setDate(date, fromDateHeader); f != nil {
		return c, f
	}
	c.token = r.Header.Get("X-Amz-Security-Token")
	return c, nil
}

func readQueryClaim(params []queryParam, c claim, s3 bool) (claim, *failure) {
	if f := missingQueryParts(params, s3); f != nil {
		return c, f
	}
	c.auth.Algorithm, _ = lookupParam(params, "X-Amz-Algorithm")
	if c.auth.Algorithm != algorithm {
		return c, fail(kindUnsupportedAlgorithm,
			fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", c.auth.Algorithm),
			"X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	c.auth.Credential, _ = lookupParam(params, "X-Amz-Credential")
	c.auth.SignedHeaders, _ = lookupParam(params, "X-Amz-SignedHeaders")
	c.auth.Signature, _ = lookupParam(params, "X-Amz-Signature")
	date, _ := lookupParam(params, "X-Amz-Date")
	if f := c.setDate(date, false); f != nil {
		return c, f
	}
	if v, ok := lookupParam(params, "X-Amz-Expires"); ok {
		n, f := parseExpires(v)
		if f != nil {
			return c, f
		}
		c.expires = n
	}
	c.token, _ = lookupParam(params, "X-Amz-Security-Token")
	return c, nil
}

// setDate parses the request time: ISO-8601 basic format from X-Amz-Date, or an HTTP date from
// the Date header, which the string to sign then uses in ISO-8601 basic format.
func (c *claim) setDate(date string, fromDateHeader bool) *failure {
	var t time.Time
	var err error
	if fromDateHeader {
		t, err = http.ParseTime(date)
	} else if len(date) != len(amzDateLayout) {
		err = fmt.Errorf("sigv4: date %q has the wrong length", date)
	} else {
		t, err = time.Parse(amzDateLayout, date)
	}
	if err != nil {
		s3 := "AWS authentication requires a valid Date or x-amz-date header"
		if c.presigned {
			s3 = "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
		}
		return fail(kindBadDate,
			fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", date), s3)
	}
	c.signedAt = t.UTC()
	c.amzDate = date // the client signed the text it sent
	if fromDateHeader {
		c.amzDate = c.signedAt.Format(amzDateLayout)
	}
	return nil
}

func parseExpires(v string) (int64, *failure) {
	n, err := strconv.ParseInt(v, 10, 64)
	var msg string
	switch {
	case err != nil:
		msg = "X-Amz-Expires should be a number"
	case n < 0:
		msg = "X-Amz-Expires must be non-negative"
	case n > maxPresignExpires:
		msg = "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
	default:
		return n, nil
	}
	return 0, fail(kindMalformedQuery, msg, msg)
}

// checkScope compares the credential scope with what this endpoint expects. The Coral
// services report every wrong part in one message; S3 reports the first.
func (v *Verifier) checkScope(s Scope, service string, c claim) *failure {
	var coral []string
	var s3msg string
	note := func(coralText, s3Text string) {
		coral = append(coral, coralText)
		if s3msg == "" {
			s3msg = s3Text
		}
	}
	prefix := "The authorization header is malformed; "
	if c.presigned {
		prefix = "Error parsing the X-Amz-Credential parameter; "
	}
	if !v.validRegion(s.Region) {
		s3Text := prefix + "a non-empty region must be provided in the credential."
		if s.Region != "" && len(v.regions) > 0 {
			s3Text = fmt.Sprintf("%sthe region '%s' is wrong; expecting '%s'", prefix, s.Region, v.regions[0])
		}
		note(fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", s.Region), s3Text)
	}
	if s.Service != service {
		note(fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service),
			fmt.Sprintf("%sincorrect service \"%s\". This endpoint belongs to \"%s\".", prefix, s.Service, service))
	}
	if s.Terminator != terminator {
		note(fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, s.Terminator),
			fmt.Sprintf("%sincorrect terminal \"%s\". This endpoint uses \"%s\".", prefix, s.Terminator, terminator))
	}
	if day := c.amzDate[:len(scopeDateLayout)]; s.Date != day {
		note(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.Date, day, c.amzDate),
			fmt.Sprintf("%sInvalid credential date \"%s\". This date is not the same as X-Amz-Date: \"%s\".", prefix, s.Date, day))
	}
	if len(coral) == 0 {
		return nil
	}
	return fail(kindBadScope, strings.Join(coral, " "), s3msg)
}

func (v *Verifier) validRegion(region string) bool {
	if region == "" {
		return false
	}
	if len(v.regions) == 0 {
		return true
	}
	for _, r := range v.regions {
		if r == region {
			return true
		}
	}
	return false
}

// checkTime enforces the clock skew, or for a presigned request with X-Amz-Expires, its
// validity window (a presigned URL may legitimately be used long after it was signed).
func (v *Verifier) checkTime(c claim) *failure {
	now := v.now().UTC()
	t := c.signedAt
	if c.presigned && c.expires >= 0 {
		if latest := now.Add(v.maxSkew); t.After(latest) {
			return fail(kindPresignNotYetValid, v.notYetCurrent(t, latest, now), "Request is not valid yet")
		}
		if now.After(t.Add(time.Duration(c.expires) * time.Second)) {
			return fail(kindPresignExpired, "Request has expired.", MsgS3RequestExpired)
		}
		return nil
	}
	if earliest := now.Add(-v.maxSkew); t.Before(earliest) {
		return fail(kindSkewed, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			c.amzDate, earliest.Format(amzDateLayout), now.Format(amzDateLayout), skewText(v.maxSkew)), MsgS3RequestTimeTooSkewed)
	}
	if latest := now.Add(v.maxSkew); t.After(latest) {
		return fail(kindSkewed, v.notYetCurrent(t, latest, now), MsgS3RequestTimeTooSkewed)
	}
	return nil
}

func (v *Verifier) notYetCurrent(t, latest, now time.Time) string {
	return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
		t.Format(amzDateLayout), latest.Format(amzDateLayout), now.Format(amzDateLayout), skewText(v.maxSkew))
}

// skewText renders the skew window the way the messages do ("5 min").
func skewText(d time.Duration) string {
	switch {
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
	default:
		return d.String()
	}
}

// payloadHashOf returns the payload hash line of the canonical request. A client may state it
// in x-amz-content-sha256 (S3 clients always do, other clients rarely); the stated value is
// what it signed, so it is used, and then checked against the body so that a valid signature
// cannot vouch for a different body.
func payloadHashOf(r *http.Request, body []byte, s3, presigned bool) (string, *failure) {
	stated := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case stated == "":
		if presigned && s3 {
			return unsignedPayload, nil // a presigned S3 URL never covers the body
		}
		return hexSHA256(body), nil
	case stated == unsignedPayload:
		if !s3 {
			return "", fail(kindBadPayloadHash,
				"x-amz-content-sha256 'UNSIGNED-PAYLOAD' is accepted only for Amazon S3 requests.", "")
		}
		return stated, nil
	case strings.HasPrefix(stated, "STREAMING-"):
		return "", fail(kindStreamingPayload,
			fmt.Sprintf("x-amz-content-sha256 '%s' (chunked signing) is not supported.", stated),
			"A header you provided implies functionality that is not implemented.")
	case !isHexSHA256(stated):
		return "", fail(kindBadPayloadHash,
			fmt.Sprintf("x-amz-content-sha256 '%s' is not a hex SHA-256 digest.", stated),
			"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	case !strings.EqualFold(stated, hexSHA256(body)):
		// For the Coral services a body that does not match what was signed is simply a
		// signature that does not match.
		return "", fail(kindPayloadMismatch, MsgSignatureDoesNotMatch, MsgS3ContentSHA256Mismatch)
	default:
		return stated, nil
	}
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkSignature recomputes the signature and compares it in constant time. On a mismatch it
// returns the canonical request and string to sign the server computed.
//
// For services other than S3 a second canonical URI is tried when the path is not in normal
// form: some signers remove dot segments and duplicate slashes before signing (the test
// suite's "normalized" cases), others sign the path as sent (the Go SDK). Both describe the
// same resource, and the JSON protocols ignore the path anyway.
func (v *Verifier) checkSignature(r *http.Request, path string, params []queryParam, signed []string,
	payloadHash string, scope Scope, cred Credential, c claim, s3 bool) (creq, sts string, ok bool) {
	uris := []string{canonicalURI(path, s3)}
	if !s3 {
		if n := normalizePath(path); n != path {
			uris = append(uris, canonicalURI(n, false))
		}
	}
	query := canonicalQuery(params, c.presigned)
	headers := canonicalHeaders(r, signed)
	key := v.keys.signingKey(cred.SecretAccessKey, scope.Date, scope.Region, scope.Service)
	for i, uri := range uris {
		cr := canonicalRequest(r.Method, uri, query, headers, c.auth.SignedHeaders, payloadHash)
		st := stringToSign(c.amzDate, scope.String(), hexSHA256([]byte(cr)))
		if hmac.Equal([]byte(signature(key, st)), []byte(c.auth.Signature)) {
			return "", "", true
		}
		if i == 0 {
			creq, sts = cr, st
		}
	}
	return creq, sts, false
}

package sigv4

import (
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// Authorization is the parsed Authorization header of a SigV4 request:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa0...
type Authorization struct {
	Algorithm     string
	Credential    string
	SignedHeaders string
	Signature     string
}

// Scope is the credential scope of a signature, the five parts of the Credential parameter.
type Scope struct {
	AccessKeyID string
	Date        string // yyyymmdd
	Region      string
	Service     string
	Terminator  string // always aws4_request when valid
}

// String returns the scope as it appears in the string to sign, without the access key.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + s.Terminator
}

// ParseAuthorization parses a SigV4 Authorization header. It checks the form only (algorithm,
// key=value pairs, the three required parameters); nothing about the request or the secret.
// Errors are *Error with the codes and messages of the Coral services.
func ParseAuthorization(header string) (Authorization, error) {
	a, f := parseAuthorization(header)
	if f == nil {
		f = missingHeaderParts(a, header, true)
	}
	if f != nil {
		return a, f.toError(false, false)
	}
	return a, nil
}

// parseAuthorization splits the header into its parameters. It fails on an algorithm other
// than AWS4-HMAC-SHA256, on a token without '=' and on a repeated parameter, but leaves
// missing parameters to the caller, which also knows whether the request carries a date and
// reports every missing piece in one message as AWS does.
func parseAuthorization(header string) (Authorization, *failure) {
	var a Authorization
	header = strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(header, " ")
	a.Algorithm = alg
	if !strings.HasPrefix(alg, "AWS4-") {
		// Coral answers an Authorization header of another scheme (Basic, Bearer, SigV2) as if
		// there were none.
		return a, fail(kindOtherScheme, MsgMissingAuthenticationToken, "Unsupported Authorization Type")
	}
	if alg != algorithm {
		return a, fail(kindUnsupportedAlgorithm,
			fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg),
			"Unsupported Authorization Type")
	}
	// Parameters are separated by commas, but Coral also splits on blanks, which is how an
	// access key pasted with a trailing space ends up reported as a pair without '='.
	seen := 0
	for tok := range authFields(rest) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			return a, fail(kindMalformedHeader,
				fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", tok, header),
				MsgS3HeaderNeedsThreeParts)
		}
		var dst *string
		var bit int
		switch k {
		case "Credential":
			dst, bit = &a.Credential, 1
		case "SignedHeaders":
			dst, bit = &a.SignedHeaders, 2
		case "Signature":
			dst, bit = &a.Signature, 4
		default:
			continue // AWS ignores parameters it does not know
		}
		if seen&bit != 0 {
			// Two different values for one parameter make the header ambiguous; refusing it
			// avoids ever verifying one value while logging or acting on the other.
			return a, fail(kindMalformedHeader,
				fmt.Sprintf("Authorization header has more than one '%s' parameter. Authorization=%s", k, header),
				MsgS3HeaderNeedsThreeParts)
		}
		seen |= bit
		*dst = v
	}
	return a, nil
}

// missingHeaderParts reports the parameters (and the date) an Authorization header request
// lacks, in Coral's words: one sentence per missing piece, then the header itself.
func missingHeaderParts(a Authorization, header string, hasDate bool) *failure {
	var b strings.Builder
	for _, p := range [...]struct{ name, value string }{
		{"Credential", a.Credential}, {"Signature", a.Signature}, {"SignedHeaders", a.SignedHeaders},
	} {
		if p.value == "" {
			fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", p.name)
		}
	}
	partsMissing := b.Len() > 0
	if !hasDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if b.Len() == 0 {
		return nil
	}
	b.WriteString("Authorization=")
	b.WriteString(strings.TrimSpace(header))
	if !partsMissing {
		return fail(kindMissingDate, b.String(), "AWS authentication requires a valid Date or x-amz-date header")
	}
	return fail(kindMalformedHeader, b.String(), MsgS3HeaderNeedsThreeParts)
}

// presignParams are the query parameters of a presigned request.
var presignParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}

// HasSignature reports whether r claims to be signed at all: an Authorization header (of any
// scheme) or SigV4 presign parameters in the query. Verify answers a request without either
// with MissingAuthenticationToken (AccessDenied for s3); callers that let such requests in
// anyway (development mode) use HasSignature to tell them from badly signed ones.
func HasSignature(r *http.Request) bool {
	if strings.TrimSpace(strings.Join(r.Header.Values("Authorization"), "")) != "" {
		return true
	}
	_, rawQuery := requestTarget(r)
	return isPresigned(parseQuery(rawQuery))
}

// isPresigned reports whether the query carries SigV4 query authentication. Any one of the
// parameters that only query authentication uses is enough, so that a URL missing some of them
// is reported as incomplete rather than as unauthenticated.
func isPresigned(params []queryParam) bool {
	for _, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"} {
		if _, ok := lookupParam(params, name); ok {
			return true
		}
	}
	return false
}

// missingQueryParts reports the presign parameters a request lacks, in Coral's words. S3 also
// requires X-Amz-Expires.
func missingQueryParts(params []queryParam, s3 bool) *failure {
	var b strings.Builder
	for _, name := range presignParams {
		if v, _ := lookupParam(params, name); v == "" {
			fmt.Fprintf(&b, "AWS query-string parameters must include '%s'. ", name)
		}
	}
	if b.Len() > 0 {
		b.WriteString("Re-examine the query-string parameters.")
		return fail(kindMalformedQuery, b.String(), MsgS3QueryNeedsAllParameters)
	}
	if _, ok := lookupParam(params, "X-Amz-Expires"); s3 && !ok {
		return fail(kindMalformedQuery, MsgS3QueryNeedsAllParameters, MsgS3QueryNeedsAllParameters)
	}
	return nil
}

// parseCredential splits a Credential value into its scope. AWS ignores trailing slashes.
func parseCredential(cred string, presigned bool) (Scope, *failure) {
	parts := strings.Split(strings.TrimRight(cred, "/"), "/")
	if len(parts) != 5 || parts[0] == "" {
		s3 := "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
		if presigned {
			s3 = "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
		}
		return Scope{}, fail(kindBadCredential,
			fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred),
			s3)
	}
	return Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}, nil
}

// ParseScope returns the credential scope of r's signature, from the Authorization header or
// the presign query, without verifying anything else. It serves development mode, where the
// access key chooses the account, and logging. Errors are *Error in the Coral services' words.
func ParseScope(r *http.Request) (Scope, error) {
	_, rawQuery := requestTarget(r)
	params := parseQuery(rawQuery)
	var cred string
	presigned := false
	if h := r.Header.Get("Authorization"); h != "" {
		a, f := parseAuthorization(h)
		if f == nil && a.Credential == "" {
			f = missingHeaderParts(a, h, true)
		}
		if f != nil {
			return Scope{}, f.toError(false, false)
		}
		cred = a.Credential
	} else if isPresigned(params) {
		presigned = true
		v, _ := lookupParam(params, "X-Amz-Credential")
		if v == "" {
			return Scope{}, fail(kindMalformedQuery,
				"AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters.", "").toError(false, false)
		}
		cred = v
	} else {
		return Scope{}, fail(kindMissingAuth, MsgMissingAuthenticationToken, MsgS3AccessDenied).toError(false, false)
	}
	s, f := parseCredential(cred, presigned)
	if f != nil {
		return Scope{}, f.toError(false, presigned)
	}
	return s, nil
}

// authFields yields the non-empty fields of s between commas, spaces and
// tabs: strings.FieldsFunc's result without its slice, which showed in
// profiles of PutRecord (every call parses one Authorization header).
func authFields(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		start := -1
		for i := 0; i <= len(s); i++ {
			if i == len(s) || s[i] == ',' || s[i] == ' ' || s[i] == '\t' {
				if start >= 0 && !yield(s[start:i]) {
					return
				}
				start = -1
			} else if start < 0 {
				start = i
			}
		}
	}
}

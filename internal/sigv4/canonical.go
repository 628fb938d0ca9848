package sigv4

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// This file builds the SigV4 canonical request from a request as the server received it. The
// rule throughout is to start from the bytes the client sent (the request-target, the header
// values) rather than from Go's parsed and re-escaped forms, because the client signed what it
// sent.

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	// emptySHA256 is the hex SHA-256 of no bytes, the payload hash of most GET requests.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// requestTarget returns the path and raw query exactly as the client sent them. On the server
// side that is r.RequestURI; a request built in-process (tests, proxies) may lack it, and then
// the URL's escaped forms are the best available.
func requestTarget(r *http.Request) (path, rawQuery string) {
	target := r.RequestURI
	if target == "" {
		if r.URL == nil {
			return "/", ""
		}
		path = r.URL.EscapedPath()
		if r.URL.Opaque != "" {
			path = r.URL.Opaque
		}
		rawQuery = r.URL.RawQuery
	} else {
		// An absolute-form target (a request sent through a forward proxy) carries the scheme
		// and authority, which are not part of the canonical URI.
		if i := strings.Index(target, "://"); i >= 0 && !strings.ContainsAny(target[:i], "/?") {
			rest := target[i+3:]
			if j := strings.IndexAny(rest, "/?"); j >= 0 {
				target = rest[j:]
			} else {
				target = ""
			}
		}
		path, rawQuery, _ = strings.Cut(target, "?")
	}
	if path == "" {
		path = "/"
	}
	return path, rawQuery
}

// isUnreserved reports whether c is an RFC 3986 unreserved character, the only bytes SigV4
// leaves unescaped.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// uriEncode appends s to b with every byte but the unreserved ones (and '/', when keepSlash)
// percent-encoded with upper-case hex, as SigV4 requires.
func uriEncode(b *strings.Builder, s string, keepSlash bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

func uriEncoded(s string, keepSlash bool) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	uriEncode(&b, s, keepSlash)
	return b.String()
}

// canonicalURI returns the canonical URI of a path as sent on the wire.
//
// Services other than S3 encode the path as the client escaped it, so an escaped byte is
// escaped twice ("%20" becomes "%2520"): the SDKs sign EscapePath(EscapedPath()). S3 encodes
// once: its canonical URI is the path's unescaped form, escaped again segment by segment, which
// equals the wire path for every SDK and also covers clients that leave reserved characters
// such as '!' or '$' unescaped. Splitting on '/' before unescaping keeps an escaped slash
// ("%2F") inside its segment.
func canonicalURI(path string, s3 bool) string {
	if !s3 {
		return uriEncoded(path, true)
	}
	var b strings.Builder
	b.Grow(len(path) + len(path)/2)
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		// An undecodable segment is encoded as sent, its '%' becoming "%25".
		uriEncode(&b, seg, false)
	}
	return b.String()
}

// normalizePath removes dot segments and empty segments from path, keeping a trailing slash,
// the way the signing test suite's "normalized" cases (and clients that normalize, such as the
// CRT signer) do before signing. Only non-S3 services normalize.
func normalizePath(path string) string {
	segs := strings.Split(path, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "/"
	}
	last := segs[len(segs)-1]
	trailing := last == "" || last == "." || last == ".."
	n := "/" + strings.Join(out, "/")
	if trailing {
		n += "/"
	}
	return n
}

// queryParam is one query parameter, unescaped.
type queryParam struct {
	key, value string
}

// parseQuery splits a raw query into unescaped parameters, in order. Unlike url.ParseQuery it
// keeps what it cannot unescape (literally, so the mismatch shows in the signature) instead of
// dropping it, and it keeps empty values ("?acl" is acl=""). '+' means space, as it does for
// url.ParseQuery and so for the Go SDK's signer, which re-encodes it as "%20".
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		params = append(params, queryParam{key: queryUnescape(k), value: queryUnescape(v)})
	}
	return params
}

func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if dec, err := url.QueryUnescape(s); err == nil {
		return dec
	}
	return s
}

// lookupParam returns the value of the first parameter named key (exactly, as AWS's parameter
// names are case-sensitive) and whether it is present.
func lookupParam(params []queryParam, key string) (string, bool) {
	for _, p := range params {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// canonicalQuery encodes the parameters with RFC 3986 rules and sorts them by encoded name,
// then encoded value (the order the SigV4 documentation, botocore and the Go SDK use).
// X-Amz-Signature is left out of presigned requests: it cannot sign itself.
func canonicalQuery(params []queryParam, presigned bool) string {
	if len(params) == 0 {
		return ""
	}
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(params))
	for _, p := range params {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{uriEncoded(p.key, false), uriEncoded(p.value, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// splitSignedHeaders splits the SignedHeaders value. Names are kept as the client wrote them:
// the canonical request's SignedHeaders line is the client's string, and a client that sent
// them unsorted or in upper case signed that text.
func splitSignedHeaders(s string) []string {
	return strings.Split(s, ";")
}

// hasHost reports whether host (or HTTP/2's :authority) is among the signed headers. AWS
// refuses a signature that does not cover the host, since it could be replayed at another
// endpoint.
func hasHost(signed []string) bool {
	for _, h := range signed {
		if strings.EqualFold(h, "host") || strings.EqualFold(h, ":authority") {
			return true
		}
	}
	return false
}

// headerValues returns the values the client sent for the signed header name. Go moves some
// headers out of r.Header: Host into r.Host, and Content-Length into r.ContentLength when the
// body is chunked; those are read back from where Go put them.
func headerValues(r *http.Request, name string) []string {
	lower := strings.ToLower(name)
	switch lower {
	case "host", ":authority":
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return []string{host}
	}
	if vs := r.Header.Values(name); len(vs) > 0 {
		return vs
	}
	if lower == "content-length" && r.ContentLength > 0 {
		return []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	// r.Header keys are canonical on the server; a hand-built request may hold other spellings.
	for k, vs := range r.Header {
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	return nil
}

// writeHeaderValue appends v trimmed of surrounding blanks with each inner run of spaces
// collapsed to one, as SigV4 canonicalizes header values.
func writeHeaderValue(b *strings.Builder, v string) {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(c)
	}
}

// canonicalHeaders returns the "name:value\n" lines for the signed headers, in the order the
// client listed them, with the values of repeated headers joined by ','.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	b.Grow(64 * len(signed))
	for _, name := range signed {
		b.WriteString(strings.ToLower(name))
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeHeaderValue(&b, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// canonicalRequest joins the six parts of the canonical request. headers already ends with a
// newline, which is why the text shows an empty line before the signed headers.
func canonicalRequest(method, uri, query, headers, signedHeaders, payloadHash string) string {
	var b strings.Builder
	b.Grow(len(method) + len(uri) + len(query) + len(headers) + len(signedHeaders) + len(payloadHash) + 5)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	b.WriteString(headers)
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign builds the SigV4 string to sign from the request time, the credential scope
// (date/region/service/aws4_request) and the hex SHA-256 of the canonical request.
func stringToSign(amzDate, scope, canonicalRequestHash string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + canonicalRequestHash
}

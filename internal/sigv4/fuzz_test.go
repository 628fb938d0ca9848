package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseAuthorization feeds arbitrary headers to the parser: it must not panic, and what it
// accepts must round-trip through the canonical form.
func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range []string{
		vanillaAZ,
		"AWS4-HMAC-SHA256 Credential=A/b/c/d/e,SignedHeaders=host,Signature=ff",
		"AWS4-HMAC-SHA256 FooBar, BazBurp",
		"AWS4-HMAC-SHA256 Credential==, Signature==,,SignedHeaders=;;",
		"AWS4-HMAC-SHA256",
		"AWS4-",
		"Bearer x",
		"",
		"AWS4-HMAC-SHA256 Credential=AKID /20150830/us-east-1/service/aws4_request",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, err := ParseAuthorization(header)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		if a.Algorithm != algorithm || a.Credential == "" || a.SignedHeaders == "" || a.Signature == "" {
			t.Fatalf("accepted incomplete header %q: %+v", header, a)
		}
		again, err := ParseAuthorization(algorithm + " Credential=" + a.Credential + ", SignedHeaders=" + a.SignedHeaders + ", Signature=" + a.Signature)
		if err != nil || again != a {
			t.Fatalf("re-parse of %+v gave %+v, %v", a, again, err)
		}
		// ParseScope and Verify must cope with whatever the parser accepted.
		r := &http.Request{Method: "POST", RequestURI: "/", Host: "h", Header: http.Header{"Authorization": {header}, "X-Amz-Date": {suiteDate}}}
		_, _ = ParseScope(r)
		_, _ = suiteVerifier(false).Verify(r, nil, "service")
		_, _ = suiteVerifier(true).Verify(r, nil, "s3")
	})
}

// FuzzCanonicalRequest builds canonical requests from arbitrary methods, request-targets and
// headers: no panic, and the structure of the result holds.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("GET", "/", "Param2=value2&Param1=value1", "My-Header1", " a   b ", "host;my-header1;x-amz-date", false)
	f.Add("POST", "/example space/ሴ", "ሴ=bar&a+b=%2B&%zz=1&=&&x", "X-Amz-Date", suiteDate, "host;x-amz-date", true)
	f.Add("PUT", "//a/./b/../%2F%", "X-Amz-Signature=1&X-Amz-Credential=a%2Fb", "Content-Length", "13", "content-length;host", false)
	f.Add("", "http://h:1/p?q", "", "", "", "", true)
	f.Fuzz(func(t *testing.T, method, path, query, name, value, signedHeaders string, s3 bool) {
		target := path
		if query != "" {
			target += "?" + query
		}
		r := &http.Request{Method: method, RequestURI: target, Host: "example.amazonaws.com", Header: http.Header{}}
		if name != "" {
			r.Header[name] = []string{value, value}
		}
		p, raw := requestTarget(r)
		params := parseQuery(raw)
		for _, uri := range []string{canonicalURI(p, s3), canonicalURI(normalizePath(p), s3)} {
			if strings.Contains(uri, "\n") {
				t.Fatalf("canonical URI %q has a newline", uri)
			}
			for i := 0; i < len(uri); i++ {
				if c := uri[i]; c >= utf8.RuneSelf || c <= ' ' {
					t.Fatalf("canonical URI %q has byte %#x unencoded", uri, c)
				}
			}
		}
		q := canonicalQuery(params, s3) // the s3 flag doubles as "presigned" to cover both
		if strings.ContainsAny(q, "\n +") {
			t.Fatalf("canonical query %q has an unencoded byte", q)
		}
		signed := splitSignedHeaders(signedHeaders)
		creq := canonicalRequest(method, canonicalURI(p, s3), q, canonicalHeaders(r, signed), signedHeaders, emptySHA256)
		if !strings.HasSuffix(creq, "\n"+signedHeaders+"\n"+emptySHA256) {
			t.Fatalf("canonical request does not end with the signed headers and payload hash: %q", creq)
		}
		_ = normalizePath(p)

		// The whole verifier on the same request, signed or not, in both modes.
		r.Header.Set("X-Amz-Date", suiteDate)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="+
			signedHeaders+", Signature=00")
		now := func() time.Time { return suiteAt }
		for _, v := range []*Verifier{suiteVerifier(false), NewVerifier(Config{Now: now})} {
			_, _ = v.Verify(r, []byte(value), "service")
			_, _ = v.Verify(r, []byte(value), "s3")
		}
	})
}

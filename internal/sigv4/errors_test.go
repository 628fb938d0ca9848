package sigv4

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// suiteAt is the signing time of the test suite's requests.
var suiteAt = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

const (
	goodCred  = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
	goodSH    = "SignedHeaders=host;x-amz-date"
	goodSig   = "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	vanillaAZ = "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH + ", " + goodSig
)

func suiteVerifier(dev bool, regions ...string) *Verifier {
	cfg := Config{Now: func() time.Time { return suiteAt }, Regions: regions}
	if !dev {
		cfg.Credentials = NewStaticCredentials(Credential{AccessKeyID: suiteAccessKey, SecretAccessKey: suiteSecret, AccountID: "123456789012"})
	}
	return NewVerifier(cfg)
}

// TestVerifyRefusals checks the code, status and exact message of each malformed or refused
// request, for the Coral services and for S3.
func TestVerifyRefusals(t *testing.T) {
	date := header{"X-Amz-Date", suiteDate}
	for _, tc := range []struct {
		name    string
		target  string
		headers []header
		body    string
		service string // default "service"
		regions []string
		dev     bool
		code    string
		status  int
		msg     string
	}{
		{name: "no authorization", headers: []header{date},
			code: CodeMissingAuthenticationToken, status: 400, msg: "Missing Authentication Token"},
		{name: "empty authorization", headers: []header{{"Authorization", "  "}, date},
			code: CodeMissingAuthenticationToken, msg: "Missing Authentication Token"},
		{name: "other scheme", headers: []header{{"Authorization", "Bearer abc"}, date},
			code: CodeMissingAuthenticationToken, msg: "Missing Authentication Token"},
		{name: "missing Credential", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodSH + ", " + goodSig}, date},
			code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 " + goodSH + ", " + goodSig},
		{name: "missing Signature", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH}, date},
			code: CodeIncompleteSignature,
			msg:  "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH},
		{name: "missing SignedHeaders", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSig}, date},
			code: CodeIncompleteSignature,
			msg:  "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 " + goodCred + ", " + goodSig},
		{name: "empty Signature value", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH + ", Signature="}, date},
			code: CodeIncompleteSignature,
			msg:  "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH + ", Signature="},
		{name: "algorithm only, no date", headers: []header{{"Authorization", "AWS4-HMAC-SHA256"}},
			code: CodeIncompleteSignature,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "missing date", headers: []header{{"Authorization", vanillaAZ}},
			code: CodeIncompleteSignature,
			msg:  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + vanillaAZ},
		{name: "pair without equal sign", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 FooBar, BazBurp"}, date},
			code: CodeIncompleteSignature,
			msg:  "'FooBar' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 FooBar, BazBurp'."},
		{name: "access key with a trailing space", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/us-east-1/service/aws4_request, " + goodSH + ", " + goodSig}, date},
			code: CodeIncompleteSignature,
			msg:  "'/20150830/us-east-1/service/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20150830/us-east-1/service/aws4_request, " + goodSH + ", " + goodSig + "'."},
		{name: "duplicate parameter", headers: []header{{"Authorization", vanillaAZ + ", Signature=00"}, date},
			code: CodeIncompleteSignature},
		{name: "two Authorization headers", headers: []header{{"Authorization", vanillaAZ}, {"Authorization", vanillaAZ}, date},
			code: CodeIncompleteSignature},
		{name: "unsupported algorithm", headers: []header{{"Authorization", "AWS4-HMAC-SHA512 " + goodCred + ", " + goodSH + ", " + goodSig}, date},
			code: CodeIncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{name: "bad date", headers: []header{{"Authorization", vanillaAZ}, {"X-Amz-Date", "2015-08-30T12:36:00Z"}},
			code: CodeIncompleteSignature,
			msg:  "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "credential with four parts", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, " + goodSH + ", " + goodSig}, date},
			code: CodeIncompleteSignature,
			msg:  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/service'"},
		{name: "host not signed", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=x-amz-date, " + goodSig}, date},
			code: CodeInvalidSignature, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "every scope part wrong", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150829//kms/aws5_request, " + goodSH + ", " + goodSig}, date},
			code: CodeInvalidSignature,
			msg: "Credential should be scoped to a valid region, not ''. Credential should be scoped to correct service: 'service'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'."},
		{name: "region not configured", regions: []string{"eu-west-1"}, headers: []header{{"Authorization", vanillaAZ}, date},
			code: CodeInvalidSignature, msg: "Credential should be scoped to a valid region, not 'us-east-1'."},
		{name: "both mechanisms", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", headers: []header{{"Authorization", vanillaAZ}, date},
			code: CodeInvalidSignature, msg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "presign parameters missing", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20150830T123600Z",
			code: CodeIncompleteSignature,
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{name: "presign bad algorithm", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
			code: CodeIncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'."},
		{name: "presign expires not a number", target: presignTarget("abc"),
			code: CodeIncompleteSignature, msg: "X-Amz-Expires should be a number"},
		{name: "presign expires negative", target: presignTarget("-1"),
			code: CodeIncompleteSignature, msg: "X-Amz-Expires must be non-negative"},
		{name: "presign expires over a week", target: presignTarget("604801"),
			code: CodeIncompleteSignature,
			msg:  "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{name: "content hash not hex", headers: []header{{"Authorization", vanillaAZ}, date, {"X-Amz-Content-Sha256", "abc"}},
			code: CodeInvalidSignature, msg: "x-amz-content-sha256 'abc' is not a hex SHA-256 digest."},
		{name: "content hash of another body", body: "x", headers: []header{{"Authorization", vanillaAZ}, date, {"X-Amz-Content-Sha256", emptySHA256}},
			code: CodeInvalidSignature, msg: MsgSignatureDoesNotMatch},
		{name: "streaming payload", headers: []header{{"Authorization", vanillaAZ}, date, {"X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}},
			code: CodeInvalidSignature, msg: "x-amz-content-sha256 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' (chunked signing) is not supported."},

		// Development mode checks the form all the same.
		{name: "dev: missing Signature", dev: true, headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH}, date},
			code: CodeIncompleteSignature},
		{name: "dev: wrong service", dev: true, service: "firehose", headers: []header{{"Authorization", vanillaAZ}, date},
			code: CodeInvalidSignature, msg: "Credential should be scoped to correct service: 'firehose'."},
		{name: "dev: body not matching its stated hash", dev: true, body: "x", headers: []header{{"Authorization", vanillaAZ}, date, {"X-Amz-Content-Sha256", emptySHA256}},
			code: CodeInvalidSignature},

		// S3 answers in its own words.
		{name: "s3: no authorization", service: "s3", headers: []header{date},
			code: CodeS3AccessDenied, status: 403, msg: MsgS3AccessDenied},
		{name: "s3: missing Signature", service: "s3", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH}, date},
			code: CodeS3AuthorizationHeaderMalformed, status: 400, msg: MsgS3HeaderNeedsThreeParts},
		{name: "s3: missing date", service: "s3", headers: []header{{"Authorization", vanillaAZ}},
			code: CodeS3AccessDenied, status: 403, msg: "AWS authentication requires a valid Date or x-amz-date header"},
		{name: "s3: sigv2", service: "s3", headers: []header{{"Authorization", "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="}, date},
			code: CodeS3InvalidArgument, status: 400, msg: "Unsupported Authorization Type"},
		{name: "s3: credential malformed", service: "s3", headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, " + goodSH + ", " + goodSig}, date},
			code: CodeS3AuthorizationHeaderMalformed, status: 400,
			msg: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "s3: region not configured", service: "s3", regions: []string{"eu-west-1"},
			headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, " + goodSH + ", " + goodSig}, date},
			code:    CodeS3AuthorizationHeaderMalformed, status: 400,
			msg: "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'"},
		{name: "s3: scope date", service: "s3",
			headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150829/us-east-1/s3/aws4_request, " + goodSH + ", " + goodSig}, date},
			code:    CodeS3AuthorizationHeaderMalformed,
			msg:     `The authorization header is malformed; Invalid credential date "20150829". This date is not the same as X-Amz-Date: "20150830".`},
		{name: "s3: both mechanisms", service: "s3", target: "/?X-Amz-Credential=x", headers: []header{{"Authorization", vanillaAZ}, date},
			code: CodeS3InvalidArgument, status: 400},
		{name: "s3: presign parameters missing", service: "s3", target: "/?X-Amz-Signature=00",
			code: CodeS3AuthorizationQueryParametersError, status: 400, msg: MsgS3QueryNeedsAllParameters},
		{name: "s3: presign bad date", service: "s3",
			target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=yesterday&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
			code:   CodeS3AuthorizationQueryParametersError, status: 400,
			msg: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
		{name: "s3: presign wrong service", service: "s3",
			target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
			code:   CodeS3AuthorizationQueryParametersError,
			msg:    `Error parsing the X-Amz-Credential parameter; incorrect service "kms". This endpoint belongs to "s3".`},
		{name: "s3: content hash of another body", service: "s3", body: "x",
			headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, " + goodSH + ", " + goodSig}, date, {"X-Amz-Content-Sha256", emptySHA256}},
			code:    CodeS3XAmzContentSHA256Mismatch, status: 400, msg: MsgS3ContentSHA256Mismatch},
		{name: "s3: content hash not hex", service: "s3",
			headers: []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, " + goodSH + ", " + goodSig}, date, {"X-Amz-Content-Sha256", "nope"}},
			code:    CodeS3InvalidArgument, status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target
			if target == "" {
				target = "/"
			}
			service := tc.service
			if service == "" {
				service = "service"
			}
			r := newWireRequest("GET", target, suiteHost, tc.headers, tc.body)
			_, err := suiteVerifier(tc.dev, tc.regions...).Verify(r, []byte(tc.body), service)
			e := assertCode(t, err, tc.code)
			if tc.status != 0 && e.HTTPStatus != tc.status {
				t.Errorf("status %d, want %d", e.HTTPStatus, tc.status)
			}
			if tc.msg != "" && e.Message != tc.msg {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tc.msg)
			}
			if !strings.Contains(e.Error(), e.Code) {
				t.Errorf("Error() = %q lacks the code", e.Error())
			}
		})
	}
}

func presignTarget(expires string) string {
	return "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request" +
		"&X-Amz-Date=20150830T123600Z&X-Amz-Expires=" + expires + "&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
}

// TestSignatureMismatchDetail checks that a refused signature carries what the server
// computed, for the operator's logs, and nothing in the message.
func TestSignatureMismatchDetail(t *testing.T) {
	r := newWireRequest("GET", "/", suiteHost, []header{{"X-Amz-Date", suiteDate},
		{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + ", " + goodSH + ", Signature=0000"}}, "")
	_, err := suiteVerifier(false).Verify(r, nil, "service")
	e := assertCode(t, err, CodeInvalidSignature)
	if want := suiteCanonical("GET", "/", "", suiteHeaders, "host;x-amz-date"); e.CanonicalRequest != want {
		t.Errorf("canonical request %q, want %q", e.CanonicalRequest, want)
	}
	if want := "AWS4-HMAC-SHA256\n" + suiteDate + "\n" + suiteScope + "\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"; e.StringToSign != want {
		t.Errorf("string to sign %q, want %q", e.StringToSign, want)
	}
	if e.Message != MsgSignatureDoesNotMatch {
		t.Errorf("message %q", e.Message)
	}
}

// TestDevelopmentMode checks that development mode accepts any secret and any clock, and
// reports the signer.
func TestDevelopmentMode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		creds CredentialSource
		dev   bool
	}{
		{"nil credentials", nil, true},
		{"empty static credentials", StaticCredentials{}, true},
		{"configured", NewStaticCredentials(Credential{AccessKeyID: "A", SecretAccessKey: "B"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVerifier(Config{Credentials: tc.creds, Now: func() time.Time { return suiteAt.Add(24 * time.Hour) }})
			if v.DevelopmentMode() != tc.dev {
				t.Fatalf("DevelopmentMode() = %v", v.DevelopmentMode())
			}
			r := newWireRequest("GET", "/", suiteHost, []header{{"X-Amz-Date", suiteDate},
				{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDANY/20150830/eu-west-3/service/aws4_request, " + goodSH + ", Signature=00"}}, "")
			res, err := v.Verify(r, nil, "service")
			if !tc.dev {
				if err == nil {
					t.Fatal("accepted outside development mode")
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := Result{AccessKeyID: "AKIDANY", Region: "eu-west-3", Service: "service", SignedAt: suiteAt, Development: true}
			if !reflect.DeepEqual(res, want) {
				t.Errorf("result %+v, want %+v", res, want)
			}
		})
	}
}

// TestDateHeader checks that a request dated by the Date header alone is read in ISO-8601
// basic format for the scope and skew checks.
func TestDateHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  time.Time
		cred string
		code string
		msg  string
	}{
		{"scope date compared in ISO form", suiteAt, "AKIDEXAMPLE/20150831/us-east-1/service/aws4_request", CodeInvalidSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."},
		{"skew", suiteAt.Add(time.Hour), "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request", CodeInvalidSignature,
			"Signature expired: 20150830T123600Z is now earlier than 20150830T133100Z (20150830T133600Z - 5 min.)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newWireRequest("GET", "/", suiteHost, []header{{"Date", "Sun, 30 Aug 2015 12:36:00 GMT"},
				{"Authorization", "AWS4-HMAC-SHA256 Credential=" + tc.cred + ", SignedHeaders=date;host, Signature=00"}}, "")
			v := NewVerifier(Config{Credentials: NewStaticCredentials(Credential{AccessKeyID: suiteAccessKey, SecretAccessKey: suiteSecret}),
				Now: func() time.Time { return tc.now }})
			_, err := v.Verify(r, nil, "service")
			if e := assertCode(t, err, tc.code); e.Message != tc.msg {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tc.msg)
			}
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Authorization
		code   string
	}{
		{vanillaAZ, Authorization{Algorithm: algorithm, Credential: "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request",
			SignedHeaders: "host;x-amz-date", Signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}, ""},
		// No blanks after the commas, as in the S3 documentation.
		{"AWS4-HMAC-SHA256 Credential=A/b/c/d/e,SignedHeaders=host,Signature=ff",
			Authorization{Algorithm: algorithm, Credential: "A/b/c/d/e", SignedHeaders: "host", Signature: "ff"}, ""},
		{"  AWS4-HMAC-SHA256   Signature=ff ,Credential=A/b/c/d/e , Foo=bar, SignedHeaders=host  ",
			Authorization{Algorithm: algorithm, Credential: "A/b/c/d/e", SignedHeaders: "host", Signature: "ff"}, ""},
		{"AWS4-HMAC-SHA256 Credential=A/b/c/d/e, SignedHeaders=host", Authorization{}, CodeIncompleteSignature},
		{"AWS4-HMAC-SHA256 Credential", Authorization{}, CodeIncompleteSignature},
		{"AWS4-ECDSA-P256-SHA256 Credential=A/b/c/d/e, SignedHeaders=host, Signature=ff", Authorization{}, CodeIncompleteSignature},
		{"Basic dXNlcjpwYXNz", Authorization{}, CodeMissingAuthenticationToken},
		{"", Authorization{}, CodeMissingAuthenticationToken},
	} {
		t.Run(tc.header, func(t *testing.T) {
			got, err := ParseAuthorization(tc.header)
			if tc.code != "" {
				assertCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatalf("ParseAuthorization: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseScope(t *testing.T) {
	want := Scope{AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "service", Terminator: "aws4_request"}
	for _, tc := range []struct {
		name    string
		target  string
		headers []header
		code    string
	}{
		{"header", "/", []header{{"Authorization", vanillaAZ}}, ""},
		{"presigned", presignTarget("60"), nil, ""},
		{"trailing slash ignored", "/", []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodCred + "/, " + goodSH + ", " + goodSig}}, ""},
		{"none", "/", nil, CodeMissingAuthenticationToken},
		{"no credential", "/", []header{{"Authorization", "AWS4-HMAC-SHA256 " + goodSH}}, CodeIncompleteSignature},
		{"presigned without credential", "/?X-Amz-Signature=00", nil, CodeIncompleteSignature},
		{"bad credential", "/", []header{{"Authorization", "AWS4-HMAC-SHA256 Credential=/a/b/c/d"}}, CodeIncompleteSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseScope(newWireRequest("POST", tc.target, suiteHost, tc.headers, ""))
			if tc.code != "" {
				assertCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatalf("ParseScope: %v", err)
			}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if got.String() != suiteScope {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func TestKeyCacheBounded(t *testing.T) {
	c := newKeyCache(4)
	first := c.signingKey("s", "20150830", "us-east-1", "service")
	if again := c.signingKey("s", "20150830", "us-east-1", "service"); &again[0] != &first[0] {
		t.Error("second lookup derived the key again")
	}
	for i, region := range []string{"r1", "r2", "r3", "r4", "r5", "r6"} {
		c.signingKey("s", "20150830", region, "service")
		if n := c.len(); n > 4 || n < 1 {
			t.Fatalf("after %d inserts the cache holds %d keys", i+1, n)
		}
	}
	if got, want := c.signingKey("s", "20150830", "us-east-1", "service"), deriveSigningKey("s", "20150830", "us-east-1", "service"); string(got) != string(want) {
		t.Error("key after reset differs")
	}
	// The AWS documentation's derivation example (IAM, 20120215).
	if got := hexString(deriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")); got != "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d" {
		t.Errorf("signing key %s", got)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestRequestTarget checks where the path and query are read from.
func TestRequestTarget(t *testing.T) {
	for _, tc := range []struct {
		name      string
		r         *http.Request
		path, raw string
	}{
		{"origin form", &http.Request{RequestURI: "/a%20b?x=1&y"}, "/a%20b", "x=1&y"},
		{"absolute form", &http.Request{RequestURI: "http://example.com:8080/p?q=1"}, "/p", "q=1"},
		{"absolute form without path", &http.Request{RequestURI: "https://example.com?q=1"}, "/", "q=1"},
		{"empty", &http.Request{RequestURI: "?q"}, "/", "q"},
		{"client request", func() *http.Request {
			r, _ := http.NewRequest("GET", "http://h/a%2Fb?c=d", nil)
			return r
		}(), "/a%2Fb", "c=d"},
		{"no URL", &http.Request{}, "/", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, raw := requestTarget(tc.r)
			if path != tc.path || raw != tc.raw {
				t.Errorf("got %q %q, want %q %q", path, raw, tc.path, tc.raw)
			}
		})
	}
}

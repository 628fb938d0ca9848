package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// These tests sign requests with the aws-sdk-go-v2 signer, send them over a real connection to
// an httptest server, and verify them there, so the request the verifier sees is exactly what
// net/http's server produces (RequestURI, Host, Content-Length, header canonicalization).

const (
	rtAccessKey = "AKIAIOSFODNN7EXAMPLE"
	rtSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	rtAccount   = "111122223333"
	rtRegion    = "us-east-1"
	rtToken     = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDEXAMPLE+token/with+slashes=="
)

var rtAt = time.Date(2026, 11, 22, 15, 28, 7, 0, time.UTC)

// verdict is what the test server reports back about one request.
type verdict struct {
	Result  Result
	Code    string
	Message string
	Status  int
}

// newVerifyServer starts a server that verifies every request for the service named in the
// X-Test-Service header (the path and query stay free for the test) and reports the outcome.
func newVerifyServer(t *testing.T, v *Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var out verdict
		res, err := v.Verify(r, body, r.Header.Get("X-Test-Service"))
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				http.Error(w, "not an *Error: "+err.Error(), http.StatusInternalServerError)
				return
			}
			out = verdict{Code: e.Code, Message: e.Message, Status: e.HTTPStatus}
		} else {
			out = verdict{Result: res, Status: http.StatusOK}
		}
		if err := json.NewEncoder(w).Encode(out); err != nil {
			t.Errorf("encode verdict: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, req *http.Request) verdict {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	defer resp.Body.Close()
	var out verdict
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode verdict (HTTP %d): %v", resp.StatusCode, err)
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// rtRequest describes one request to sign and send.
type rtRequest struct {
	service     string // the service the server expects
	signService string // the service in the credential scope; default service
	method      string
	path        string // path and query as the SDK would send them
	headers     map[string]string
	body        string
	token       string    // session token to sign with
	secret      string    // default rtSecret
	accessKey   string    // default rtAccessKey
	signedAt    time.Time // default rtAt
	signUA      string    // when set, sign a User-Agent header the way Fluent Bit does
	presign     bool      // presign (S3 style, UNSIGNED-PAYLOAD) instead of an Authorization header
	expires     string    // X-Amz-Expires for presign
	// after runs on the signed request before it is sent, to tamper with it.
	after func(r *http.Request)
}

func (q rtRequest) build(t *testing.T, base string) *http.Request {
	t.Helper()
	method := q.method
	if method == "" {
		method = http.MethodPost
	}
	path := q.path
	if path == "" {
		path = "/"
	}
	if q.presign && q.expires != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "X-Amz-Expires=" + q.expires
	}
	req, err := http.NewRequest(method, base+path, bytes.NewReader([]byte(q.body)))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range q.headers {
		req.Header.Set(k, v)
	}
	if q.signUA != "" {
		// The SDK signer never signs User-Agent; its exclusion list is keyed by the canonical
		// spelling, so a lower-case map key slips through and is signed, which is what a
		// client such as Fluent Bit does. The value is moved to the canonical key afterwards
		// so that net/http sends it once.
		req.Header["user-agent"] = []string{q.signUA}
	}
	creds := aws.Credentials{AccessKeyID: q.accessKey, SecretAccessKey: q.secret, SessionToken: q.token}
	if creds.AccessKeyID == "" {
		creds.AccessKeyID = rtAccessKey
	}
	if creds.SecretAccessKey == "" {
		creds.SecretAccessKey = rtSecret
	}
	at := q.signedAt
	if at.IsZero() {
		at = rtAt
	}
	signService := q.signService
	if signService == "" {
		signService = q.service
	}
	s3Opts := func(o *v4.SignerOptions) { o.DisableURIPathEscaping = q.service == "s3" }
	signer := v4.NewSigner()
	if q.presign {
		uri, hdr, err := signer.PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", signService, rtRegion, at, s3Opts)
		if err != nil {
			t.Fatalf("presign: %v", err)
		}
		req, err = http.NewRequest(method, uri, nil)
		if err != nil {
			t.Fatalf("presigned request: %v", err)
		}
		for k, vs := range hdr {
			if !strings.EqualFold(k, "host") {
				req.Header[k] = vs
			}
		}
	} else {
		if err := signer.SignHTTP(context.Background(), creds, req, sha256Hex([]byte(q.body)), signService, rtRegion, at, s3Opts); err != nil {
			t.Fatalf("sign: %v", err)
		}
		if q.signUA != "" {
			delete(req.Header, "user-agent")
			req.Header.Set("User-Agent", q.signUA)
		}
	}
	req.Header.Set("X-Test-Service", q.service)
	if q.after != nil {
		q.after(req)
	}
	return req
}

func firehoseCall(op, body string) rtRequest {
	return rtRequest{
		service: "firehose",
		headers: map[string]string{"X-Amz-Target": "Firehose_20150804." + op, "Content-Type": "application/x-amz-json-1.1"},
		body:    body,
	}
}

func kmsCall(op, body string) rtRequest {
	return rtRequest{
		service: "kms",
		headers: map[string]string{"X-Amz-Target": "TrentService." + op, "Content-Type": "application/x-amz-json-1.1"},
		body:    body,
	}
}

func s3Get(path string) rtRequest {
	return rtRequest{service: "s3", method: http.MethodGet, path: path,
		headers: map[string]string{"X-Amz-Content-Sha256": emptySHA256}}
}

// with returns a copy of q changed by f, to keep the table short.
func (q rtRequest) with(f func(*rtRequest)) rtRequest {
	f(&q)
	return q
}

func TestRoundTripSDKSigner(t *testing.T) {
	const putRecord = `{"DeliveryStreamName":"s1","Record":{"Data":"aGVsbG8K"}}`
	good := Credential{AccessKeyID: rtAccessKey, SecretAccessKey: rtSecret, AccountID: rtAccount}
	withToken := good
	withToken.SessionToken = rtToken
	sessionCreds := NewStaticCredentials(withToken)
	staticCreds := NewStaticCredentials(good)

	skewMsg := "Signature expired: 20261122T152807Z is now earlier than 20261122T152808Z (20261122T153308Z - 5 min.)"
	futureMsg := "Signature not yet current: 20261122T152807Z is still later than 20261122T152806Z (20261122T151806Z + 10 min.)"

	for _, tc := range []struct {
		name    string
		req     rtRequest
		creds   CredentialSource
		now     time.Time // default rtAt
		maxSkew time.Duration
		code    string // empty: accepted
		status  int
		msg     string
		check   func(t *testing.T, res Result)
	}{
		{name: "firehose PutRecord", req: firehoseCall("PutRecord", putRecord),
			check: func(t *testing.T, res Result) {
				if res.AccessKeyID != rtAccessKey || res.AccountID != rtAccount || res.Region != rtRegion ||
					res.Service != "firehose" || !res.SignedAt.Equal(rtAt) || res.Presigned || res.Development {
					t.Errorf("result: %+v", res)
				}
			}},
		{name: "firehose with signed user-agent and content-length", req: firehoseCall("PutRecordBatch", putRecord).with(func(q *rtRequest) {
			q.signUA = "aws-fluent-bit-plugin   (extra   spaces)"
			q.after = func(r *http.Request) {
				if got := r.Header.Get("Authorization"); !strings.Contains(got, "SignedHeaders=content-length;content-type;host;user-agent;x-amz-date;x-amz-target,") {
					t.Errorf("signed headers not as intended: %s", got)
				}
			}
		})},
		{name: "firehose within skew", req: firehoseCall("PutRecord", putRecord), now: rtAt.Add(5 * time.Minute)},
		{name: "firehose odd path double-encoded", req: firehoseCall("ListDeliveryStreams", "{}").with(func(q *rtRequest) { q.path = "/a%20b/c%2Fd" })},
		{name: "firehose query", req: firehoseCall("ListDeliveryStreams", "{}").with(func(q *rtRequest) { q.path = "/?b=2&a=1&a=0&sp=x%20y&plus=%2B" })},
		{name: "firehose session token", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.token = rtToken }),
			creds: sessionCreds,
			check: func(t *testing.T, res Result) {
				if res.SessionToken != rtToken {
					t.Errorf("session token %q", res.SessionToken)
				}
			}},
		{name: "kms GenerateDataKey", req: kmsCall("GenerateDataKey", `{"KeyId":"alias/x","KeySpec":"AES_256"}`)},
		{name: "s3 GetObject", req: s3Get("/bucket/key.json")},
		{name: "s3 GetObject odd key single-encoded", req: s3Get("/bucket/a%20b%2Bc%21%24%28%29.txt")},
		{name: "s3 ListObjectsV2", req: s3Get("/bucket?list-type=2&prefix=a%2Fb&max-keys=10")},
		{name: "s3 presigned GetObject", req: rtRequest{service: "s3", method: http.MethodGet, path: "/bucket/key.json", presign: true, expires: "900"},
			now: rtAt.Add(14 * time.Minute),
			check: func(t *testing.T, res Result) {
				if !res.Presigned || res.AccessKeyID != rtAccessKey {
					t.Errorf("result: %+v", res)
				}
			}},
		{name: "s3 presigned with session token", req: rtRequest{service: "s3", method: http.MethodGet, path: "/bucket/k", presign: true, expires: "60", token: rtToken},
			creds: sessionCreds},
		{name: "development mode accepts any secret", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.secret = "not-the-secret"; q.accessKey = "AKIADEV" }),
			creds: StaticCredentials{}, now: rtAt.Add(time.Hour),
			check: func(t *testing.T, res Result) {
				if !res.Development || res.AccessKeyID != "AKIADEV" || res.AccountID != "" || res.Region != rtRegion {
					t.Errorf("result: %+v", res)
				}
			}},

		// Refusals.
		{name: "wrong secret", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.secret = "wrong" }),
			code: CodeInvalidSignature, status: 400, msg: MsgSignatureDoesNotMatch},
		{name: "kms wrong secret", req: kmsCall("Decrypt", `{}`).with(func(q *rtRequest) { q.secret = "wrong" }),
			code: CodeInvalidSignature, status: 400, msg: MsgSignatureDoesNotMatch},
		{name: "s3 wrong secret", req: s3Get("/bucket/key").with(func(q *rtRequest) { q.secret = "wrong" }),
			code: CodeS3SignatureDoesNotMatch, status: 403, msg: MsgS3SignatureDoesNotMatch},
		{name: "unknown access key", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.accessKey = "AKIAUNKNOWN" }),
			code: CodeUnrecognizedClient, status: 400, msg: MsgUnrecognizedClient},
		{name: "s3 unknown access key", req: s3Get("/bucket/key").with(func(q *rtRequest) { q.accessKey = "AKIAUNKNOWN" }),
			code: CodeS3InvalidAccessKeyID, status: 403, msg: MsgS3InvalidAccessKeyID},
		{name: "tampered body", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) {
			q.after = func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(strings.Replace(putRecord, "s1", "s2", 1)))
			}
		}), code: CodeInvalidSignature, msg: MsgSignatureDoesNotMatch},
		{name: "s3 tampered body", req: rtRequest{service: "s3", method: http.MethodPut, path: "/bucket/key", body: "hello",
			headers: map[string]string{"X-Amz-Content-Sha256": sha256Hex([]byte("hello"))},
			after:   func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("jello")) }},
			code: CodeS3XAmzContentSHA256Mismatch, status: 400, msg: MsgS3ContentSHA256Mismatch},
		{name: "tampered signed header", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) {
			q.after = func(r *http.Request) { r.Header.Set("X-Amz-Target", "Firehose_20150804.DeleteDeliveryStream") }
		}), code: CodeInvalidSignature, msg: MsgSignatureDoesNotMatch},
		{name: "tampered signed user-agent", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) {
			q.signUA = "fluent-bit"
			q.after = func(r *http.Request) { r.Header.Set("User-Agent", "curl") }
		}), code: CodeInvalidSignature},
		{name: "tampered query", req: s3Get("/bucket?prefix=a").with(func(q *rtRequest) {
			q.after = func(r *http.Request) { r.URL.RawQuery = "prefix=b" }
		}), code: CodeS3SignatureDoesNotMatch},
		{name: "expired date", req: firehoseCall("PutRecord", putRecord), now: rtAt.Add(5*time.Minute + time.Second),
			code: CodeInvalidSignature, status: 400, msg: skewMsg},
		{name: "future date", req: firehoseCall("PutRecord", putRecord), now: rtAt.Add(-10*time.Minute - time.Second), maxSkew: 10 * time.Minute,
			code: CodeInvalidSignature, msg: futureMsg},
		{name: "s3 skewed", req: s3Get("/bucket/key"), now: rtAt.Add(time.Hour),
			code: CodeS3RequestTimeTooSkewed, status: 403, msg: MsgS3RequestTimeTooSkewed},
		{name: "wrong service in scope", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.signService = "kinesis" }),
			code: CodeInvalidSignature, msg: "Credential should be scoped to correct service: 'firehose'."},
		{name: "s3 wrong service in scope", req: s3Get("/bucket/key").with(func(q *rtRequest) { q.signService = "firehose" }),
			code: CodeS3AuthorizationHeaderMalformed, status: 400,
			msg: `The authorization header is malformed; incorrect service "firehose". This endpoint belongs to "s3".`},
		{name: "scope date differs from x-amz-date", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) {
			q.after = func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261123T000100Z") }
		}), now: time.Date(2026, 11, 23, 0, 1, 0, 0, time.UTC),
			code: CodeInvalidSignature,
			msg:  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123', from '20261123T000100Z'."},
		{name: "missing authorization", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) {
			q.after = func(r *http.Request) { r.Header.Del("Authorization") }
		}), code: CodeMissingAuthenticationToken, status: 400, msg: MsgMissingAuthenticationToken},
		{name: "s3 missing authorization", req: s3Get("/bucket/key").with(func(q *rtRequest) {
			q.after = func(r *http.Request) { r.Header.Del("Authorization") }
		}), code: CodeS3AccessDenied, status: 403, msg: MsgS3AccessDenied},
		{name: "token not matching", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.token = "other-token" }),
			creds: sessionCreds, code: CodeUnrecognizedClient, msg: MsgUnrecognizedClient},
		{name: "token missing", req: firehoseCall("PutRecord", putRecord), creds: sessionCreds,
			code: CodeUnrecognizedClient, msg: MsgUnrecognizedClient},
		{name: "token not expected", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) { q.token = rtToken }),
			code: CodeUnrecognizedClient, msg: MsgUnrecognizedClient},
		{name: "s3 token not matching", req: s3Get("/bucket/key").with(func(q *rtRequest) { q.token = "other" }),
			creds: sessionCreds, code: CodeS3InvalidToken, status: 400, msg: MsgS3InvalidToken},
		{name: "s3 presigned expired", req: rtRequest{service: "s3", method: http.MethodGet, path: "/bucket/key", presign: true, expires: "900"},
			now: rtAt.Add(15*time.Minute + time.Second), code: CodeS3AccessDenied, status: 403, msg: MsgS3RequestExpired},
		{name: "s3 presigned tampered", req: rtRequest{service: "s3", method: http.MethodGet, path: "/bucket/key", presign: true, expires: "900",
			after: func(r *http.Request) { r.URL.Path = "/bucket/other" }},
			code: CodeS3SignatureDoesNotMatch},
		{name: "s3 presigned expiry extended", req: rtRequest{service: "s3", method: http.MethodGet, path: "/bucket/key", presign: true, expires: "900",
			after: func(r *http.Request) {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=900", "X-Amz-Expires=3600", 1)
			}},
			now: rtAt.Add(20 * time.Minute), code: CodeS3SignatureDoesNotMatch},
		{name: "s3 presigned expires missing", req: rtRequest{service: "s3", method: http.MethodGet, path: "/bucket/key", presign: true},
			code: CodeS3AuthorizationQueryParametersError, status: 400, msg: MsgS3QueryNeedsAllParameters},
		{name: "unsigned payload refused for firehose", req: firehoseCall("PutRecord", putRecord).with(func(q *rtRequest) {
			q.headers["X-Amz-Content-Sha256"] = "UNSIGNED-PAYLOAD"
		}), code: CodeInvalidSignature,
			msg: "x-amz-content-sha256 'UNSIGNED-PAYLOAD' is accepted only for Amazon S3 requests."},
		{name: "s3 streaming payload not implemented", req: rtRequest{service: "s3", method: http.MethodPut, path: "/bucket/key", body: "x",
			headers: map[string]string{"X-Amz-Content-Sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}},
			code: CodeS3NotImplemented, status: 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds
			if creds == nil {
				creds = staticCreds
			}
			now := tc.now
			if now.IsZero() {
				now = rtAt
			}
			srv := newVerifyServer(t, NewVerifier(Config{Credentials: creds, MaxSkew: tc.maxSkew, Now: func() time.Time { return now }}))
			got := send(t, tc.req.build(t, srv.URL))
			if tc.code == "" {
				if got.Code != "" {
					t.Fatalf("refused: %s: %s", got.Code, got.Message)
				}
				if tc.check != nil {
					tc.check(t, got.Result)
				}
				return
			}
			if got.Code != tc.code {
				t.Fatalf("code %q (%s), want %q", got.Code, got.Message, tc.code)
			}
			if tc.status != 0 && got.Status != tc.status {
				t.Errorf("status %d, want %d", got.Status, tc.status)
			}
			if tc.msg != "" && got.Message != tc.msg {
				t.Errorf("message:\n got %q\nwant %q", got.Message, tc.msg)
			}
		})
	}
}

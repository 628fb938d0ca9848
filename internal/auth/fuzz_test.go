package auth

import (
	"errors"
	"net/http"
	"testing"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// FuzzAuthenticate drives the glue around the verifier (development-mode accounts, the region
// rule, the pre-check, error conversion) with arbitrary headers and queries. It must never
// panic; every refusal must be an *awsproto.Error with a code and a 4xx/5xx status; and an
// accepted request must name a 12-digit account and a region name.
func FuzzAuthenticate(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=123456789012/20261122/us-east-1/firehose/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261122T152807Z", "", "{}", uint8(0), true)
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261122/local/s3/aws4_request, SignedHeaders=host, Signature=ab", "20261122T152807Z", "", "", uint8(2), false)
	f.Add("", "", "X-Amz-Credential=a%2Fb%2Fc%2Fd%2Fe&X-Amz-Algorithm=AWS4-HMAC-SHA256", "", uint8(1), true)
	f.Add("Basic dXNlcjpwYXNz", "", "", "", uint8(0), false)
	f.Add("", "", "", "", uint8(0), false)
	services := []string{"firehose", "kms", "s3"}
	dev := newAuth(f, nil)
	strict := newAuth(f, []sigv4.Credential{{AccessKeyID: testKey, SecretAccessKey: testSecret, AccountID: testAccount}})
	f.Fuzz(func(t *testing.T, authorization, amzDate, query, body string, svc uint8, devMode bool) {
		a := strict
		if devMode {
			a = dev
		}
		service := services[int(svc)%len(services)]
		r := &http.Request{
			Method:     http.MethodPost,
			RequestURI: "/?" + query,
			Host:       "127.0.0.1:4573",
			Header:     http.Header{},
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		r = r.WithContext(awsproto.ContextWithRequestID(t.Context(), "fuzz"))
		check := func(err error) {
			var e *awsproto.Error
			if !errors.As(err, &e) {
				t.Fatalf("refusal %v is %T, not *awsproto.Error", err, err)
			}
			if e.Code == "" || e.Status < 400 || e.Status > 599 {
				t.Fatalf("refusal %+v has no code or a bad status", e)
			}
		}
		if err := a.PreAuthenticate(r, service); err != nil {
			check(err)
			return
		}
		id, err := a.Authenticate(r, []byte(body), service)
		if err != nil {
			check(err)
			return
		}
		if !accountOracle.MatchString(id.AccountID) || !regionOracle.MatchString(id.Region) {
			t.Fatalf("accepted identity %+v has a bad account or region", id)
		}
	})
}

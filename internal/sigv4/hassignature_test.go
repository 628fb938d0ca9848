package sigv4

import (
	"net/http"
	"testing"
)

func TestHasSignature(t *testing.T) {
	tests := []struct {
		target string
		auth   []string
		want   bool
	}{
		{"/", nil, false},
		{"/", []string{"  "}, false},
		{"/", []string{"AWS4-HMAC-SHA256 Credential=x"}, true},
		{"/", []string{"Bearer x"}, true}, // another scheme is a claim too, refused by Verify
		{"/?X-Amz-Credential=a%2Fb", nil, true},
		{"/?X-Amz-Signature=", nil, true},
		{"/?X-Amz-Date=20150830T123600Z", nil, false}, // not one of the presign markers alone
		{"/bucket?list-type=2", nil, false},
	}
	for _, tt := range tests {
		r := &http.Request{Method: http.MethodGet, RequestURI: tt.target, Header: http.Header{}}
		for _, a := range tt.auth {
			r.Header.Add("Authorization", a)
		}
		if got := HasSignature(r); got != tt.want {
			t.Errorf("HasSignature(%s, %q) = %v, want %v", tt.target, tt.auth, got, tt.want)
		}
	}
}

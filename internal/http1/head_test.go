package http1

import (
	"bufio"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const sdkHead = "POST / HTTP/1.1\r\n" +
	"Host: 127.0.0.1:4573\r\n" +
	"User-Agent: aws-sdk-go-v2/1.39.6 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/firehose#1.41.0\r\n" +
	"Content-Length: 2\r\n" +
	"Accept-Encoding: gzip\r\n" +
	"Amz-Sdk-Invocation-Id: 0f6a5b9e-3a5c-4a43-9d7e-1f0e7c1e5a11\r\n" +
	"Amz-Sdk-Request: attempt=1; max=1\r\n" +
	"Authorization: AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261122/us-east-1/firehose/aws4_request, SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=8e2b\r\n" +
	"Content-Type: application/x-amz-json-1.1\r\n" +
	"X-Amz-Date: 20261122T120000Z\r\n" +
	"X-Amz-Target: Firehose_20150804.PutRecord\r\n" +
	"\r\n"

// TestParseHeadLikeNetHTTP checks that every head the fast path accepts is
// read by net/http into the same request, and that the ones it must leave
// to net/http are refused.
func TestParseHeadLikeNetHTTP(t *testing.T) {
	for _, raw := range acceptedHeads {
		h, ok := parseHead([]byte(raw))
		if !ok {
			t.Errorf("refused %q", raw)
			continue
		}
		compareWithNetHTTP(t, raw, h)
	}
	for _, raw := range refusedHeads {
		if _, ok := parseHead([]byte(raw)); ok {
			t.Errorf("accepted %q", raw)
		}
	}
}

var (
	acceptedHeads = []string{
		sdkHead,
		"POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\nx-amz-target: A.B\r\nx-custom:  two  spaces \t\r\nX-Custom: again\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nX-Amz-Target: A.B\r\nConnection: keep-alive, Close\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nX-Amz-Target: A.B\r\nX-Empty:\r\nX-Bytes: caf\xc3\xa9 \xff\r\n\r\n",
	}
	refusedHeads = []string{
		strings.Replace(sdkHead, "POST / ", "GET / ", 1),
		strings.Replace(sdkHead, "POST / ", "POST /x ", 1),
		strings.Replace(sdkHead, "POST / ", "POST http://h/ ", 1),
		strings.Replace(sdkHead, "HTTP/1.1", "HTTP/1.0", 1),
		strings.Replace(sdkHead, "Content-Length: 2\r\n", "", 1),
		strings.Replace(sdkHead, "Content-Length: 2\r\n", "Content-Length: +2\r\n", 1),
		strings.Replace(sdkHead, "Content-Length: 2\r\n", "Content-Length: 2\r\nContent-Length: 2\r\n", 1),
		strings.Replace(sdkHead, "Content-Length: 2\r\n", "Transfer-Encoding: chunked\r\n", 1),
		strings.Replace(sdkHead, "Content-Length: 2\r\n", "Content-Length: 2\r\nExpect: 100-continue\r\n", 1),
		strings.Replace(sdkHead, "Host: 127.0.0.1:4573\r\n", "", 1),
		strings.Replace(sdkHead, "Host: 127.0.0.1:4573\r\n", "Host: a\r\nHost: b\r\n", 1),
		strings.Replace(sdkHead, "X-Amz-Target: Firehose_20150804.PutRecord\r\n", "", 1),
		strings.Replace(sdkHead, "Accept-Encoding: gzip\r\n", "Accept-Encoding: gzip\r\n folded\r\n", 1),
		strings.Replace(sdkHead, "Accept-Encoding: gzip\r\n", "Bad Name: x\r\n", 1),
		strings.Replace(sdkHead, "Accept-Encoding: gzip\r\n", "X-Ctl: a\x01b\r\n", 1),
		strings.Replace(sdkHead, "Accept-Encoding: gzip\r\n", "NoColon\r\n", 1),
		strings.Replace(sdkHead, "Accept-Encoding: gzip\r\n", "Accept-Encoding: gzip\n", 1),
	}
)

// compareWithNetHTTP fails unless net/http reads raw into a request with
// the same header, host, length and close flag as h.
func compareWithNetHTTP(t *testing.T, raw string, h head) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("fast path accepted %q, net/http refused it: %v", raw, err)
	}
	if !reflect.DeepEqual(r.Header, h.header) {
		t.Fatalf("%q: header %q, net/http %q", raw, h.header, r.Header)
	}
	if r.Host != h.host || r.ContentLength != h.contentLength || r.Close != h.close {
		t.Fatalf("%q: host %q length %d close %v, net/http %q %d %v", raw, h.host, h.contentLength, h.close, r.Host, r.ContentLength, r.Close)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.ProtoMinor != 1 {
		t.Fatalf("%q: net/http read %s %s HTTP/1.%d", raw, r.Method, r.URL, r.ProtoMinor)
	}
}

// FuzzParseHead: whatever the fast path accepts, net/http reads the same.
func FuzzParseHead(f *testing.F) {
	for _, raw := range append(acceptedHeads, refusedHeads...) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if h, ok := parseHead([]byte(raw)); ok {
			compareWithNetHTTP(t, raw, h)
		}
	})
}

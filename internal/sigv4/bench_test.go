package sigv4

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signedPutRecordBatch returns a PutRecordBatch request of about size bytes signed by the SDK
// for region, as the handler would receive it.
func signedPutRecordBatch(tb testing.TB, size int, region string) (*http.Request, []byte) {
	tb.Helper()
	body := []byte(`{"DeliveryStreamName":"s1","Records":[{"Data":"` + string(bytes.Repeat([]byte("A"), size)) + `"}]}`)
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4573/", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Firehose_20150804.PutRecordBatch")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	creds := aws.Credentials{AccessKeyID: rtAccessKey, SecretAccessKey: rtSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(body), "firehose", region, rtAt); err != nil {
		tb.Fatal(err)
	}
	// What net/http's server would hand over: the request-target and the Host field.
	req.RequestURI = "/"
	req.Host = req.URL.Host
	return req, body
}

func benchVerifier() *Verifier {
	return NewVerifier(Config{
		Credentials: NewStaticCredentials(Credential{AccessKeyID: rtAccessKey, SecretAccessKey: rtSecret, AccountID: rtAccount}),
		Now:         func() time.Time { return rtAt },
	})
}

// BenchmarkVerify measures verification of PutRecordBatch requests, body hashing included.
func BenchmarkVerify(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("body=%dKiB", size>>10), func(b *testing.B) {
			req, body := signedPutRecordBatch(b, size, rtRegion)
			v := benchVerifier()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(req, body, "firehose"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConcurrentVerify shares one Verifier, with a signing-key cache too small for the
// regions in use, between goroutines; run with -race.
func TestConcurrentVerify(t *testing.T) {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1", "sa-east-1"}
	type signed struct {
		r    *http.Request
		body []byte
	}
	reqs := make([]signed, len(regions))
	for i, region := range regions {
		r, body := signedPutRecordBatch(t, 100, region)
		reqs[i] = signed{r, body}
	}
	v := NewVerifier(Config{
		Credentials:  NewStaticCredentials(Credential{AccessKeyID: rtAccessKey, SecretAccessKey: rtSecret, AccountID: rtAccount}),
		Now:          func() time.Time { return rtAt },
		KeyCacheSize: 2,
	})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				s := reqs[(g+i)%len(reqs)]
				if _, err := v.Verify(s.r, s.body, "firehose"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := v.keys.len(); n > 2 {
		t.Errorf("cache holds %d keys, bound is 2", n)
	}
}

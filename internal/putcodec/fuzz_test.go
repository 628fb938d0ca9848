package putcodec_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/putcodec"
)

// The fuzz targets check the one property the caller relies on: when the
// fast path says ok, its result is exactly encoding/json's; it never panics.
// Run them with, for example:
//
//	go test -run '^$' -fuzz '^FuzzDecodeBatch$' -fuzztime 10m ./internal/putcodec/

func addSeeds(f *testing.F, cases []decodeCase, golden string) {
	for _, tc := range cases {
		f.Add([]byte(tc.body))
	}
	for _, sdk := range []string{"gov2", "botocore", "jsv3"} {
		if b, err := os.ReadFile(filepath.Join("testdata", sdk+"_"+golden+".json")); err == nil {
			f.Add(b)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	addSeeds(f, batchCases, "batch")
	var reused putcodec.BatchRequest
	f.Fuzz(func(t *testing.T, body []byte) {
		var fresh putcodec.BatchRequest
		for _, dst := range []*putcodec.BatchRequest{&fresh, &reused} {
			if !putcodec.DecodeBatch(body, dst) {
				continue
			}
			if d := diffBatch(body, dst); d != "" {
				t.Fatalf("%s\nbody: %q", d, body)
			}
		}
	})
}

func FuzzDecodePut(f *testing.F) {
	addSeeds(f, putCases, "put")
	for _, tc := range batchCases {
		f.Add([]byte(tc.body))
	}
	var reused putcodec.PutRequest
	f.Fuzz(func(t *testing.T, body []byte) {
		var fresh putcodec.PutRequest
		for _, dst := range []*putcodec.PutRequest{&fresh, &reused} {
			if !putcodec.DecodePut(body, dst) {
				continue
			}
			if d := diffPut(body, dst); d != "" {
				t.Fatalf("%s\nbody: %q", d, body)
			}
		}
	})
}

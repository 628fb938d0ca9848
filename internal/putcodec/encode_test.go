package putcodec_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/putcodec"
)

type stdBatchResponse struct {
	Encrypted        *bool
	FailedPutCount   *int
	RequestResponses []struct {
		RecordId     *string
		ErrorCode    *string
		ErrorMessage *string
	}
}

// roundTrip is what a client sees of s after encoding/json marshals it and
// decodes it again (invalid UTF-8 becomes U+FFFD).
func roundTrip(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

var trickyStrings = []string{
	"Slow down.",
	"",
	`quote " and backslash \ and slash /`,
	"control \x00\x01\x1f\b\f\n\r\t end",
	"unicode é ストリーム 😀",
	"separators \u2028 \u2029",
	"invalid utf8 \xff\xfe and truncated \xe3\x81",
	"html <>&",
}

func TestAppendBatchResponseExact(t *testing.T) {
	got := putcodec.AppendBatchResponse([]byte("prefix:"), true, []putcodec.Entry{
		{RecordID: "id1"},
		{ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down."},
	})
	want := `prefix:{"Encrypted":true,"FailedPutCount":1,"RequestResponses":[{"RecordId":"id1"},{"ErrorCode":"ServiceUnavailableException","ErrorMessage":"Slow down."}]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := putcodec.AppendBatchResponse(nil, false, nil); string(got) != `{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[]}` {
		t.Fatalf("empty: %s", got)
	}
}

func TestAppendBatchResponseRoundTrip(t *testing.T) {
	for _, s := range trickyStrings {
		if s == "" {
			continue // an empty ErrorCode means success, tested in TestAppendBatchResponseExact
		}
		entries := []putcodec.Entry{
			{RecordID: s},
			{ErrorCode: "InternalFailure", ErrorMessage: s},
			{ErrorCode: s, ErrorMessage: "x"},
		}
		body := putcodec.AppendBatchResponse(nil, false, entries)
		var got stdBatchResponse
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%q: invalid JSON %s: %v", s, body, err)
		}
		if *got.Encrypted || *got.FailedPutCount != 2 || len(got.RequestResponses) != 3 {
			t.Fatalf("%q: got %s", s, body)
		}
		r := got.RequestResponses
		want := roundTrip(s)
		if *r[0].RecordId != want || r[0].ErrorCode != nil || r[0].ErrorMessage != nil {
			t.Errorf("%q: success entry %s", s, body)
		}
		if r[1].RecordId != nil || *r[1].ErrorCode != "InternalFailure" || *r[1].ErrorMessage != want {
			t.Errorf("%q: failure entry %s", s, body)
		}
		if *r[2].ErrorCode != want {
			t.Errorf("%q: error code %s", s, body)
		}
	}
}

func TestAppendPutResponse(t *testing.T) {
	if got := string(putcodec.AppendPutResponse(nil, "abc", false)); got != `{"RecordId":"abc","Encrypted":false}` {
		t.Fatalf("got %s", got)
	}
	for _, s := range trickyStrings {
		var got struct {
			RecordId  string
			Encrypted bool
		}
		body := putcodec.AppendPutResponse(nil, s, true)
		if err := json.Unmarshal(body, &got); err != nil || got.RecordId != roundTrip(s) || !got.Encrypted {
			t.Errorf("%q: %s → %+v, %v", s, body, got, err)
		}
	}
}

func TestAppendAccepted(t *testing.T) {
	ids := putcodec.NewIDKey([]byte("stream-salt"))
	body := putcodec.AppendBatchAccepted([]byte("x"), true, ids, 77, 10, 500)
	if body[0] != 'x' {
		t.Fatal("prefix lost")
	}
	var got stdBatchResponse
	if err := json.Unmarshal(body[1:], &got); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if !*got.Encrypted || *got.FailedPutCount != 0 || len(got.RequestResponses) != 500 {
		t.Fatalf("got %s", body)
	}
	seen := map[string]bool{}
	for i, r := range got.RequestResponses {
		if r.RecordId == nil || r.ErrorCode != nil {
			t.Fatalf("entry %d: %+v", i, r)
		}
		seq, idx, err := ids.Parse(*r.RecordId)
		if err != nil || seq != 77 || idx != uint32(10+i) {
			t.Fatalf("entry %d: Parse(%q) = %d, %d, %v", i, *r.RecordId, seq, idx, err)
		}
		if seen[*r.RecordId] {
			t.Fatalf("duplicate id %q", *r.RecordId)
		}
		seen[*r.RecordId] = true
	}
	if got := putcodec.AppendBatchAccepted(nil, false, ids, 1, 0, 0); string(got) != `{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[]}` {
		t.Fatalf("empty: %s", got)
	}

	put := putcodec.AppendPutAccepted(nil, false, ids, 5, 3)
	var pr struct {
		RecordId  string
		Encrypted *bool
	}
	if err := json.Unmarshal(put, &pr); err != nil || pr.Encrypted == nil || *pr.Encrypted {
		t.Fatalf("%s: %v", put, err)
	}
	if want := `{"RecordId":"` + ids.String(5, 3) + `","Encrypted":false}`; string(put) != want {
		t.Fatalf("got %s, want %s", put, want)
	}
}

// FuzzAppendString checks the JSON string escaping against encoding/json.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		body := putcodec.AppendBatchResponse(nil, false, []putcodec.Entry{{ErrorCode: "E", ErrorMessage: s}})
		var got stdBatchResponse
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("invalid JSON %q: %v", body, err)
		}
		if m := *got.RequestResponses[0].ErrorMessage; m != roundTrip(s) {
			t.Fatalf("message %q, want %q", m, roundTrip(s))
		}
		if strings.ContainsAny(string(body), "\u2028\u2029") {
			t.Fatalf("unescaped line separator in %q", body)
		}
	})
}

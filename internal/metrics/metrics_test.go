package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestIngestSeriesAreKeptAndForgotten(t *testing.T) {
	m := New()
	const arn = "arn:aws:firehose:us-east-1:000000000000:deliverystream/s"
	if m.Ingest(arn) != m.Ingest(arn) {
		t.Fatal("Ingest built the series of one stream twice")
	}
	m.Ingest(arn).IncomingRecords.Add(3)
	m.Ingest(arn).PutRecordLatency.Observe(0.002)
	want := `IncomingRecords{delivery_stream="` + arn + `"} 3`
	if out := scrape(t, m); !strings.Contains(out, want) || !strings.Contains(out, `PutRecord_Latency_count{delivery_stream="`+arn+`"} 1`) {
		t.Fatalf("scrape lacks the counted series:\n%s", out)
	}

	m.Forget(arn)
	if out := scrape(t, m); strings.Contains(out, arn) {
		t.Fatalf("a forgotten stream still has series:\n%s", out)
	}
	// A stream created again under the same name counts from zero.
	m.Ingest(arn).IncomingRecords.Add(1)
	if out := scrape(t, m); !strings.Contains(out, `IncomingRecords{delivery_stream="`+arn+`"} 1`) {
		t.Fatalf("the series after Forget did not start again from zero:\n%s", out)
	}
}

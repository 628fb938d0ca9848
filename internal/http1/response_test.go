package http1

import (
	"net/http"
	"testing"
	"time"
)

func TestAppendDate(t *testing.T) {
	loc := time.FixedZone("UTC+5", 5*3600)
	first := time.Date(2026, 11, 23, 7, 4, 5, 100, loc)
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"first", first},
		{"same second, later", first.Add(800 * time.Millisecond)},
		{"next second", first.Add(time.Second)},
		{"back again", first},
	} {
		want := "x" + tc.at.UTC().Format(http.TimeFormat)
		if got := string(appendDate([]byte("x"), tc.at)); got != want {
			t.Errorf("%s: appendDate = %q, want %q", tc.name, got, want)
		}
	}
}

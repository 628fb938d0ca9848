package apishape

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestTimestampMarshal(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1640787073718), "1640787073.718"},
		{time.UnixMilli(1640787073700), "1640787073.7"},
		{time.UnixMilli(1640787073000), "1640787073"},
		{time.Unix(1640787073, 718999999), "1640787073.718"}, // truncated, not rounded
		{time.Unix(0, 0), "0"},
		{time.UnixMilli(-1), "-0.001"},
		{time.UnixMilli(-1500), "-1.5"},
	}
	for _, tt := range tests {
		got, err := json.Marshal(NewTimestamp(tt.t))
		if err != nil || string(got) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.t, got, err, tt.want)
		}
	}
	if got := formatEpochMillis(math.MinInt64); got != "-9223372036854775.808" {
		t.Errorf("formatEpochMillis(MinInt64) = %s", got)
	}
}

func TestTimestampUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`1640787073.718`, time.Unix(1640787073, 718000000)},
		{`1640787073`, time.Unix(1640787073, 0)},
		{`1640787073.123456789123`, time.Unix(1640787073, 123456789)},
		{`-1.5`, time.Unix(-2, 500000000)},
		{`1.640787073718E9`, time.Unix(1640787073, 718000000)},
		{`"2021-12-29T14:11:13.718Z"`, time.Unix(1640787073, 718000000)},
		{`"2021-12-29T15:11:13+01:00"`, time.Unix(1640787073, 0)},
		{`"1640787073.5"`, time.Unix(1640787073, 500000000)},
	}
	for _, tt := range tests {
		var ts Timestamp
		if err := json.Unmarshal([]byte(tt.in), &ts); err != nil {
			t.Errorf("Unmarshal(%s): %v", tt.in, err)
			continue
		}
		// Exponent forms go through float64: allow a microsecond.
		if d := ts.Sub(tt.want); d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, ts.Time, tt.want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `true`, `{}`, `1.`, `.5`, `1e999`, `"1.2.3"`, `--1`, `99999999999999999999`} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(bad), &ts); err == nil {
			t.Errorf("Unmarshal(%s) succeeded with %v, want an error", bad, ts.Time)
		}
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	type wrapper struct {
		When *Timestamp `json:"When,omitempty"`
	}
	orig := wrapper{When: Ptr(NewTimestamp(time.UnixMilli(1700000000123)))}
	data, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"When":1700000000.123}` {
		t.Fatalf("Marshal = %s", data)
	}
	var back wrapper
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.When.Equal(orig.When.Time) {
		t.Errorf("round trip: %v != %v", back.When.Time, orig.When.Time)
	}
	// null and absence both leave the pointer nil.
	var n wrapper
	if err := json.Unmarshal([]byte(`{"When":null}`), &n); err != nil || n.When != nil {
		t.Errorf("null: %v %v", n.When, err)
	}
	if data, _ := json.Marshal(wrapper{}); string(data) != `{}` {
		t.Errorf("absent: %s", data)
	}
}

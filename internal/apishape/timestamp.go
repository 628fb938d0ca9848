package apishape

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a model timestamp. AWS JSON 1.1 carries it as a JSON number of
// seconds since the Unix epoch, fractional allowed (1640787073.718).
//
// It embeds time.Time so the usual methods are at hand; only the JSON form
// differs. The SDKs are strict about that form (aws-sdk-go-v2 rejects a string
// with "expected Timestamp to be a JSON Number"), so Timestamp always emits a
// number, but it accepts RFC 3339 strings on input because botocore does.
type Timestamp struct {
	time.Time
}

// NewTimestamp wraps t.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{Time: t} }

// MarshalJSON writes t as epoch seconds with millisecond precision (the
// precision AWS itself emits), without trailing zeros: 1640787073.718,
// 1640787073.7, 1640787073. Sub-millisecond digits are truncated.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(formatEpochMillis(t.UnixMilli())), nil
}

// formatEpochMillis renders ms as decimal seconds using integer arithmetic
// only, so no float rounding can creep into the wire form.
func formatEpochMillis(ms int64) string {
	neg := ms < 0
	a := uint64(ms)
	if neg {
		a = uint64(-(ms + 1)) + 1 // |ms| without overflow for MinInt64
	}
	sec, frac := a/1000, a%1000
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(strconv.FormatUint(sec, 10))
	if frac != 0 {
		f := fmt.Sprintf("%03d", frac)
		b.WriteByte('.')
		b.WriteString(strings.TrimRight(f, "0"))
	}
	return b.String()
}

// UnmarshalJSON accepts a JSON number of epoch seconds (fractional and
// exponent forms allowed), or leniently a string holding an RFC 3339 time or
// such a number. JSON null leaves t unchanged, as encoding/json does for other
// types.
func (t *Timestamp) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		s, err := strconv.Unquote(string(data))
		if err != nil {
			return fmt.Errorf("timestamp: invalid JSON string %s", data)
		}
		if tt, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t.Time = tt
			return nil
		}
		tt, err := parseEpochSeconds(s)
		if err != nil {
			return fmt.Errorf("timestamp: %q is neither RFC 3339 nor epoch seconds", s)
		}
		t.Time = tt
		return nil
	}
	tt, err := parseEpochSeconds(string(data))
	if err != nil {
		return err
	}
	t.Time = tt
	return nil
}

// parseEpochSeconds parses a decimal number of seconds. Plain decimals are
// parsed exactly (to the nanosecond); exponent forms go through float64.
func parseEpochSeconds(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("timestamp: empty value")
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
			return time.Time{}, fmt.Errorf("timestamp: invalid number %q", s)
		}
		sec := math.Floor(f)
		nsec := math.Round((f - sec) * 1e9)
		return time.Unix(int64(sec), int64(nsec)).UTC(), nil
	}
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	intPart, fracPart, hasFrac := strings.Cut(body, ".")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (fracPart == "" || !allDigits(fracPart))) {
		return time.Time{}, fmt.Errorf("timestamp: invalid number %q", s)
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp: invalid number %q", s)
	}
	var nsec int64
	if hasFrac {
		if len(fracPart) > 9 {
			fracPart = fracPart[:9] // beyond nanoseconds: truncate
		}
		fracPart += strings.Repeat("0", 9-len(fracPart))
		nsec, _ = strconv.ParseInt(fracPart, 10, 64) // nine digits always fit
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	return time.Unix(sec, nsec).UTC(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

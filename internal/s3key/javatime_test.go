package s3key

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones must load on minimal machines too
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load location %s: %v", name, err)
	}
	return loc
}

// parseInstant parses java.time.Instant's text form, including the years
// outside 0000-9999 ("+12345-06-07T08:09:10Z", "-0044-03-15T12:00:00Z") that
// Go's time.Parse does not accept.
func parseInstant(t *testing.T, s string) time.Time {
	t.Helper()
	year := 0
	rest := s
	if s[0] == '+' || s[0] == '-' {
		i := strings.IndexByte(s[1:], '-') + 1
		y, err := strconv.Atoi(s[1:i])
		if err != nil {
			t.Fatalf("instant %q: %v", s, err)
		}
		if s[0] == '-' {
			y = -y
		}
		year, rest = y, "2000"+s[i:]
	}
	ts, err := time.Parse(time.RFC3339Nano, rest)
	if err != nil {
		t.Fatalf("instant %q: %v", s, err)
	}
	if rest != s {
		ts = time.Date(year, ts.Month(), ts.Day(), ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond(), time.UTC)
	}
	return ts
}

// TestDateFormat_JavaGolden compares every pattern with what the real
// java.time DateTimeFormatter printed (testdata/JavaGolden.java), and every
// pattern Java rejects with Java's message.
func TestDateFormat_JavaGolden(t *testing.T) {
	f, err := os.Open("testdata/javatime_golden.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	formats, rejects := 0, 0
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "# ") {
			continue
		}
		fields := strings.Split(text, "\t")
		switch len(fields) {
		case 4:
			instant, zone, pattern, want := fields[0], fields[1], fields[2], fields[3]
			df, err := compileDatePattern(pattern)
			if err != nil {
				t.Errorf("line %d: compile %q: %v", line, pattern, err)
				continue
			}
			at := parseInstant(t, instant).In(mustLoad(t, zone))
			if got := string(df.appendFormat(nil, at)); got != want {
				t.Errorf("line %d: %s in %s with %q = %q, Java printed %q", line, instant, zone, pattern, got, want)
			}
			formats++
		case 2:
			pattern, want := fields[0], fields[1]
			_, err := compileDatePattern(pattern)
			switch {
			case pattern == "ACCEPTED":
				t.Errorf("line %d: Java accepted %q, which the generator lists as invalid", line, want)
			case err == nil:
				t.Errorf("line %d: compile %q succeeded, Java rejects it with %q", line, pattern, want)
			case err.Error() != want:
				t.Errorf("line %d: compile %q: error %q, Java says %q", line, pattern, err, want)
			}
			rejects++
		default:
			t.Fatalf("line %d: malformed golden line %q", line, text)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if formats < 1000 || rejects < 20 {
		t.Fatalf("golden file too small: %d formats, %d rejects", formats, rejects)
	}
}

// TestDateFormat_Letters is a readable table of every supported letter and
// count at one instant (2024-01-31 10:05:09.123456789, a Wednesday, in Tokyo:
// 19:05:09 local, UTC+9).
func TestDateFormat_Letters(t *testing.T) {
	at := time.Date(2024, 1, 31, 10, 5, 9, 123456789, time.UTC).In(mustLoad(t, "Asia/Tokyo"))
	tests := []struct{ pattern, want string }{
		{"y", "2024"}, {"yy", "24"}, {"yyy", "2024"}, {"yyyy", "2024"}, {"yyyyy", "02024"},
		{"u", "2024"}, {"uu", "24"}, {"uuuu", "2024"},
		{"Y", "2024"}, {"YY", "24"},
		{"M", "1"}, {"MM", "01"}, {"MMM", "Jan"}, {"MMMM", "January"}, {"MMMMM", "J"},
		{"L", "1"}, {"LLL", "Jan"},
		{"d", "31"}, {"dd", "31"},
		{"D", "31"}, {"DD", "31"}, {"DDD", "031"},
		{"E", "Wed"}, {"EEE", "Wed"}, {"EEEE", "Wednesday"}, {"EEEEE", "W"},
		{"a", "PM"},
		{"H", "19"}, {"HH", "19"}, {"h", "7"}, {"hh", "07"}, {"K", "7"}, {"k", "19"},
		{"m", "5"}, {"mm", "05"}, {"s", "9"}, {"ss", "09"},
		{"S", "1"}, {"SS", "12"}, {"SSS", "123"}, {"SSSSSSSSS", "123456789"},
		{"w", "5"}, {"ww", "05"},
		{"G", "AD"}, {"GGGG", "Anno Domini"},
		{"X", "+09"}, {"XXX", "+09:00"}, {"xx", "+0900"}, {"Z", "+0900"}, {"ZZZZ", "GMT+09:00"}, {"ZZZZZ", "+09:00"},
		// Quoting: text in quotes is literal, '' is one quote, other
		// non-letters are copied, brackets of optional sections vanish.
		{"'year='yyyy", "year=2024"},
		{"'o''clock'", "o'clock"},
		{"''", "'"},
		{"yyyy''MM", "2024'01"},
		{"yyyy/MM/dd/HH/", "2024/01/31/19/"},
		{"[yyyy]-MM", "2024-01"},
		{"yyyy-MM-dd'T'HH:mm", "2024-01-31T19:05"},
		{"é_yyyy ~ 日", "é_2024 ~ 日"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			df, err := compileDatePattern(tt.pattern)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if got := string(df.appendFormat(nil, at)); got != tt.want {
				t.Errorf("format = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDateFormat_Unsupported lists letters Java knows but Sluice rejects at
// create time (documented in COMPATIBILITY.md), so a user learns at once.
func TestDateFormat_Unsupported(t *testing.T) {
	for _, p := range []string{"z", "VV", "O", "e", "c", "W", "F", "Q", "q", "n", "N", "A", "ppH", "B"} {
		if _, err := compileDatePattern(p); err == nil {
			t.Errorf("compile %q succeeded, want an error", p)
		}
	}
}

func TestDateFormat_TwelveHourClock(t *testing.T) {
	tests := []struct {
		hour                 int
		h, K, k, a, hhmmAmPm string
	}{
		{0, "12", "0", "24", "AM", "12:30 AM"},
		{1, "1", "1", "1", "AM", "01:30 AM"},
		{11, "11", "11", "11", "AM", "11:30 AM"},
		{12, "12", "0", "12", "PM", "12:30 PM"},
		{13, "1", "1", "13", "PM", "01:30 PM"},
		{23, "11", "11", "23", "PM", "11:30 PM"},
	}
	for _, tt := range tests {
		at := time.Date(2024, 5, 6, tt.hour, 30, 0, 0, time.UTC)
		for pattern, want := range map[string]string{"h": tt.h, "K": tt.K, "k": tt.k, "a": tt.a, "hh:mm a": tt.hhmmAmPm} {
			df, err := compileDatePattern(pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(df.appendFormat(nil, at)); got != want {
				t.Errorf("hour %d, %q = %q, want %q", tt.hour, pattern, got, want)
			}
		}
	}
}

// TestDateFormat_ISOWeek pins the documented choice: weeks follow ISO 8601,
// so the last days of December can be week 1 of the next week-based year.
func TestDateFormat_ISOWeek(t *testing.T) {
	tests := []struct {
		date time.Time
		want string // "YYYY-'W'ww yyyy"
	}{
		{time.Date(2019, 12, 30, 0, 0, 0, 0, time.UTC), "2020-W01 2019"},
		{time.Date(2021, 1, 3, 0, 0, 0, 0, time.UTC), "2020-W53 2021"},
		{time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC), "2021-W01 2021"},
		{time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC), "2025-W01 2024"},
	}
	df, err := compileDatePattern("YYYY-'W'ww yyyy")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if got := string(df.appendFormat(nil, tt.date)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.date.Format(time.DateOnly), got, tt.want)
		}
	}
}

// TestDateFormat_DST formats around New York's 2024 transitions: the clock
// jumps from 01:59:59 EST to 03:00:00 EDT, and 01:30 happens twice.
func TestDateFormat_DST(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	df, err := compileDatePattern("yyyy-MM-dd HH:mm:ss xxx")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		utc  time.Time
		want string
	}{
		{time.Date(2024, 3, 10, 6, 59, 59, 0, time.UTC), "2024-03-10 01:59:59 -05:00"},
		{time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC), "2024-03-10 03:00:00 -04:00"},
		{time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC), "2024-11-03 01:30:00 -04:00"},
		{time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC), "2024-11-03 01:30:00 -05:00"},
	}
	for _, tt := range tests {
		if got := string(df.appendFormat(nil, tt.utc.In(ny))); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.utc, got, tt.want)
		}
	}
}

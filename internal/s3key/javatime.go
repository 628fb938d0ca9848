package s3key

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file implements the subset of java.time.format.DateTimeFormatter
// pattern syntax that Firehose users write in `!{timestamp:...}`. The rules
// (which letters exist, how many repetitions each accepts, how numbers are
// padded and signed) follow DateTimeFormatterBuilder.appendPattern so that a
// pattern Java accepts prints the same text here, and a pattern Java rejects is
// rejected when the stream is created rather than when data is delivered.
//
// Deliberate differences from Java, all documented in docs/COMPATIBILITY.md:
//   - 'w' and 'Y' use ISO week rules (weeks start on Monday, week 1 holds the
//     first Thursday). Java uses the JVM default locale; en_US weeks start on
//     Sunday. ISO is the only choice that does not depend on a hidden setting.
//   - Text (month and day names, AM/PM, era) is English, as on Firehose.
//   - Zone names ('z', 'v', 'V', 'O'), localized fields ('e', 'c', 'W', 'F',
//     'Q', 'q'), padding ('p') and nano/milli-of-day ('n', 'N', 'A') are not
//     supported and are rejected as unknown letters.

// dateField identifies what one pattern element prints.
type dateField uint8

const (
	fieldLiteral             dateField = iota
	fieldEra                           // G
	fieldYearOfEra                     // y
	fieldYear                          // u (proleptic year)
	fieldWeekBasedYear                 // Y (ISO week-based year)
	fieldMonth                         // M, L
	fieldDayOfMonth                    // d
	fieldDayOfYear                     // D
	fieldDayOfWeek                     // E
	fieldAmPm                          // a
	fieldClockHourOfAmPm               // h (1-12)
	fieldHourOfAmPm                    // K (0-11)
	fieldHourOfDay                     // H (0-23)
	fieldClockHourOfDay                // k (1-24)
	fieldMinute                        // m
	fieldSecond                        // s
	fieldFraction                      // S
	fieldWeekOfWeekBasedYear           // w (ISO week)
	fieldOffsetX                       // X
	fieldOffsetx                       // x
	fieldOffsetZ                       // Z
)

// textStyle mirrors java.time.format.TextStyle for the fields printed as words.
type textStyle uint8

const (
	styleShort textStyle = iota
	styleFull
	styleNarrow
)

// signStyle mirrors java.time.format.SignStyle for the styles appendPattern uses.
type signStyle uint8

const (
	signNormal      signStyle = iota // '-' for negatives only
	signNotNegative                  // never a sign
	signExceedsPad                   // '+' when wider than the minimum width
)

// dateOp is one compiled pattern element.
type dateOp struct {
	field dateField
	lit   string // fieldLiteral: the text to copy

	// Numeric printing: minimum width (zero padded) and sign style. reduced
	// prints only the last two digits (the "yy" form).
	width   int
	sign    signStyle
	reduced bool

	// Text printing, for fields with words.
	text  bool
	style textStyle

	// offsetType indexes DateTimeFormatterBuilder's offset patterns
	// {"+HH", "+HHmm", "+HH:mm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss"}:
	// even types use colons, and lower-case parts print only when non-zero.
	// offsetZero is printed for a zero offset. offsetLocalized selects the
	// "GMT+08:00" form (ZZZZ).
	offsetType      int
	offsetZero      string
	offsetLocalized bool
}

// dateFormat is a compiled DateTimeFormatter pattern.
type dateFormat struct {
	ops []dateOp
}

var (
	monthShort = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	monthFull  = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	// Indexed by time.Weekday (Sunday = 0).
	weekdayShort = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	weekdayFull  = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// compileDatePattern parses a DateTimeFormatter pattern. Error texts follow
// Java's IllegalArgumentException messages so users recognise them.
func compileDatePattern(pattern string) (*dateFormat, error) {
	f := &dateFormat{}
	optionalDepth := 0
	for pos := 0; pos < len(pattern); pos++ {
		c := pattern[pos]
		switch {
		case isASCIILetter(c):
			start := pos
			for pos+1 < len(pattern) && pattern[pos+1] == c {
				pos++
			}
			op, err := letterOp(c, pos-start+1)
			if err != nil {
				return nil, err
			}
			f.ops = append(f.ops, op)
		case c == '\'':
			start := pos
			for pos++; pos < len(pattern); pos++ {
				if pattern[pos] == '\'' {
					if pos+1 < len(pattern) && pattern[pos+1] == '\'' {
						pos++ // an escaped quote inside the literal
						continue
					}
					break
				}
			}
			if pos >= len(pattern) {
				return nil, fmt.Errorf("Pattern ends with an incomplete string literal: %s", pattern)
			}
			lit := pattern[start+1 : pos]
			if lit == "" {
				f.appendLiteral("'") // '' outside a literal is one quote
			} else {
				f.appendLiteral(strings.ReplaceAll(lit, "''", "'"))
			}
		case c == '[':
			// Optional sections print when their fields are available, and an
			// instant with a zone has every field: only the brackets vanish.
			optionalDepth++
		case c == ']':
			if optionalDepth == 0 {
				return nil, fmt.Errorf("Pattern invalid as it contains ] without previous [")
			}
			optionalDepth--
		case c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("Pattern includes reserved character: '%c'", c)
		default:
			f.appendLiteral(pattern[pos : pos+1])
		}
	}
	return f, nil
}

func isASCIILetter(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// appendLiteral merges adjacent literal text into one op so formatting does
// one append per run of text.
func (f *dateFormat) appendLiteral(s string) {
	if n := len(f.ops); n > 0 && f.ops[n-1].field == fieldLiteral {
		f.ops[n-1].lit += s
		return
	}
	f.ops = append(f.ops, dateOp{field: fieldLiteral, lit: s})
}

func tooMany(c byte) error {
	return fmt.Errorf("Too many pattern letters: %c", c)
}

// letterOp compiles a run of count identical pattern letters, following
// DateTimeFormatterBuilder.parseField.
func letterOp(c byte, count int) (dateOp, error) {
	switch c {
	case 'G':
		return textOp(fieldEra, c, count)
	case 'y', 'u', 'Y':
		field := fieldYearOfEra
		if c == 'u' {
			field = fieldYear
		} else if c == 'Y' {
			field = fieldWeekBasedYear
		}
		switch {
		case count == 2:
			return dateOp{field: field, width: 2, sign: signNotNegative, reduced: true}, nil
		case count < 4:
			return dateOp{field: field, width: count, sign: signNormal}, nil
		case count <= 19:
			return dateOp{field: field, width: count, sign: signExceedsPad}, nil
		default:
			return dateOp{}, fmt.Errorf("The minimum width must be from 1 to 19 inclusive but was %d", count)
		}
	case 'M', 'L':
		switch count {
		case 1:
			return dateOp{field: fieldMonth, width: 1, sign: signNormal}, nil
		case 2:
			return dateOp{field: fieldMonth, width: 2, sign: signNotNegative}, nil
		}
		return textOp(fieldMonth, c, count)
	case 'E':
		return textOp(fieldDayOfWeek, c, count)
	case 'a':
		if count != 1 {
			return dateOp{}, tooMany(c)
		}
		return dateOp{field: fieldAmPm, text: true, style: styleShort}, nil
	case 'd', 'h', 'H', 'k', 'K', 'm', 's', 'w':
		field := twoDigitField(c)
		switch count {
		case 1:
			return dateOp{field: field, width: 1, sign: signNormal}, nil
		case 2:
			return dateOp{field: field, width: 2, sign: signNotNegative}, nil
		}
		return dateOp{}, tooMany(c)
	case 'D':
		// Java 9+ prints "DD" with two to three digits; "D" and "DDD" as usual.
		if count > 3 {
			return dateOp{}, tooMany(c)
		}
		return dateOp{field: fieldDayOfYear, width: count, sign: signNotNegative}, nil
	case 'S':
		if count > 9 {
			return dateOp{}, fmt.Errorf("Minimum width must be from 0 to 9 inclusive but was %d", count)
		}
		return dateOp{field: fieldFraction, width: count}, nil
	case 'X', 'x':
		if count > 5 {
			return dateOp{}, tooMany(c)
		}
		typ := count + 1
		if count == 1 {
			typ = 1
		}
		op := dateOp{field: fieldOffsetX, offsetType: typ, offsetZero: "Z"}
		if c == 'x' {
			op.field = fieldOffsetx
			switch {
			case count == 1:
				op.offsetZero = "+00"
			case count%2 == 0:
				op.offsetZero = "+0000"
			default:
				op.offsetZero = "+00:00"
			}
		}
		return op, nil
	case 'Z':
		switch {
		case count < 4:
			return dateOp{field: fieldOffsetZ, offsetType: 3, offsetZero: "+0000"}, nil
		case count == 4:
			return dateOp{field: fieldOffsetZ, offsetLocalized: true}, nil
		case count == 5:
			return dateOp{field: fieldOffsetZ, offsetType: 6, offsetZero: "Z"}, nil
		}
		return dateOp{}, tooMany(c)
	}
	return dateOp{}, fmt.Errorf("Unknown pattern letter: %c", c)
}

// twoDigitField maps the letters that accept one or two repetitions.
func twoDigitField(c byte) dateField {
	switch c {
	case 'd':
		return fieldDayOfMonth
	case 'h':
		return fieldClockHourOfAmPm
	case 'H':
		return fieldHourOfDay
	case 'k':
		return fieldClockHourOfDay
	case 'K':
		return fieldHourOfAmPm
	case 'm':
		return fieldMinute
	case 's':
		return fieldSecond
	}
	return fieldWeekOfWeekBasedYear // 'w'
}

// textOp compiles a field printed as words: up to three letters are the short
// form ("Jan"), four the full form ("January") and five the narrow form ("J").
func textOp(field dateField, c byte, count int) (dateOp, error) {
	op := dateOp{field: field, text: true, style: styleShort}
	switch {
	case count == 4:
		op.style = styleFull
	case count == 5:
		op.style = styleNarrow
	case count > 5:
		return dateOp{}, tooMany(c)
	}
	return op, nil
}

// dateValues are the calendar fields of one instant in one zone, computed once
// per format call.
type dateValues struct {
	year, month, day, yearDay    int
	weekday                      time.Weekday
	hour, minute, second, nanos  int
	isoYear, isoWeek, offsetSecs int
}

func valuesOf(t time.Time) dateValues {
	var v dateValues
	var m time.Month
	v.year, m, v.day = t.Date()
	v.month = int(m)
	v.yearDay = t.YearDay()
	v.weekday = t.Weekday()
	v.hour, v.minute, v.second = t.Clock()
	v.nanos = t.Nanosecond()
	v.isoYear, v.isoWeek = t.ISOWeek()
	_, v.offsetSecs = t.Zone()
	return v
}

// appendFormat prints t (already in the wanted zone) with the pattern.
func (f *dateFormat) appendFormat(dst []byte, t time.Time) []byte {
	v := valuesOf(t)
	for i := range f.ops {
		dst = f.ops[i].appendTo(dst, &v)
	}
	return dst
}

func (op *dateOp) appendTo(dst []byte, v *dateValues) []byte {
	switch op.field {
	case fieldLiteral:
		return append(dst, op.lit...)
	case fieldEra:
		ad := v.year > 0
		switch op.style {
		case styleFull:
			return append(dst, pick(ad, "Anno Domini", "Before Christ")...)
		case styleNarrow:
			return append(dst, pick(ad, "A", "B")...)
		}
		return append(dst, pick(ad, "AD", "BC")...)
	case fieldYearOfEra:
		yoe := v.year
		if yoe <= 0 {
			yoe = 1 - yoe // 1 BC is proleptic year 0
		}
		return op.appendNumber(dst, int64(yoe))
	case fieldYear:
		return op.appendNumber(dst, int64(v.year))
	case fieldWeekBasedYear:
		return op.appendNumber(dst, int64(v.isoYear))
	case fieldMonth:
		if op.text {
			return appendText(dst, monthShort[v.month-1], monthFull[v.month-1], op.style)
		}
		return op.appendNumber(dst, int64(v.month))
	case fieldDayOfMonth:
		return op.appendNumber(dst, int64(v.day))
	case fieldDayOfYear:
		return op.appendNumber(dst, int64(v.yearDay))
	case fieldDayOfWeek:
		return appendText(dst, weekdayShort[v.weekday], weekdayFull[v.weekday], op.style)
	case fieldAmPm:
		return append(dst, pick(v.hour < 12, "AM", "PM")...)
	case fieldClockHourOfAmPm:
		h := v.hour % 12
		if h == 0 {
			h = 12
		}
		return op.appendNumber(dst, int64(h))
	case fieldHourOfAmPm:
		return op.appendNumber(dst, int64(v.hour%12))
	case fieldHourOfDay:
		return op.appendNumber(dst, int64(v.hour))
	case fieldClockHourOfDay:
		h := v.hour
		if h == 0 {
			h = 24
		}
		return op.appendNumber(dst, int64(h))
	case fieldMinute:
		return op.appendNumber(dst, int64(v.minute))
	case fieldSecond:
		return op.appendNumber(dst, int64(v.second))
	case fieldFraction:
		// Java truncates the fraction to the requested digits; it never rounds.
		var digits [9]byte
		n := v.nanos
		for i := 8; i >= 0; i-- {
			digits[i] = byte('0' + n%10)
			n /= 10
		}
		return append(dst, digits[:op.width]...)
	case fieldWeekOfWeekBasedYear:
		return op.appendNumber(dst, int64(v.isoWeek))
	case fieldOffsetX, fieldOffsetx, fieldOffsetZ:
		if op.offsetLocalized {
			return appendLocalizedOffset(dst, v.offsetSecs)
		}
		return appendOffset(dst, v.offsetSecs, op.offsetType, op.offsetZero)
	}
	return dst
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

func appendText(dst []byte, short, full string, style textStyle) []byte {
	switch style {
	case styleFull:
		return append(dst, full...)
	case styleNarrow:
		return append(dst, full[0])
	}
	return append(dst, short...)
}

// appendNumber follows java.time's NumberPrinterParser (and, for the two-digit
// year, ReducedPrinterParser with base 2000: the last two digits of |value|).
func (op *dateOp) appendNumber(dst []byte, value int64) []byte {
	if op.reduced {
		if value < 0 {
			value = -value
		}
		value %= 100
		return append(dst, byte('0'+value/10), byte('0'+value%10))
	}
	neg := value < 0
	abs := uint64(value)
	if neg {
		abs = uint64(-value)
	}
	switch {
	case neg && op.sign != signNotNegative:
		dst = append(dst, '-')
	case !neg && op.sign == signExceedsPad && op.width < 19 && abs >= pow10(op.width):
		dst = append(dst, '+')
	}
	var buf [20]byte
	digits := strconv.AppendUint(buf[:0], abs, 10)
	for i := len(digits); i < op.width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

func pow10(n int) uint64 {
	p := uint64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// appendOffset follows java.time's OffsetIdPrinterParser.
func appendOffset(dst []byte, totalSecs, typ int, zero string) []byte {
	if totalSecs == 0 {
		return append(dst, zero...)
	}
	abs := totalSecs
	if abs < 0 {
		abs = -abs
	}
	hours, minutes, seconds := abs/3600%100, abs/60%60, abs%60
	dst = append(dst, pick(totalSecs < 0, "-", "+")...)
	dst = append2(dst, hours)
	colon := typ%2 == 0
	if typ >= 3 || (typ >= 1 && minutes > 0) {
		if colon {
			dst = append(dst, ':')
		}
		dst = append2(dst, minutes)
		if typ >= 7 || (typ >= 5 && seconds > 0) {
			if colon {
				dst = append(dst, ':')
			}
			dst = append2(dst, seconds)
		}
	}
	return dst
}

// appendLocalizedOffset prints the "ZZZZ" form: "GMT", or "GMT+08:00"
// (with ":ss" only when the offset has seconds).
func appendLocalizedOffset(dst []byte, totalSecs int) []byte {
	dst = append(dst, "GMT"...)
	if totalSecs == 0 {
		return dst
	}
	abs := totalSecs
	if abs < 0 {
		abs = -abs
	}
	dst = append(dst, pick(totalSecs < 0, "-", "+")...)
	dst = append2(dst, abs/3600%100)
	dst = append(dst, ':')
	dst = append2(dst, abs/60%60)
	if s := abs % 60; s != 0 {
		dst = append(dst, ':')
		dst = append2(dst, s)
	}
	return dst
}

func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

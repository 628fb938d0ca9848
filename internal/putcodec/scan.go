package putcodec

import "unicode/utf8"

// maxDepth bounds the nesting of unknown members the fast path will skip.
// encoding/json allows 10000; SDKs send none at all, so anything deeper is
// left to the fallback, and the recursion in skipValue stays shallow.
const maxDepth = 128

// The scanning functions below take the body and an index and return the
// index after what they consumed, so the hot state stays in registers. They
// accept exactly the JSON grammar (RFC 8259) that encoding/json's scanner
// accepts: the fast path must never say ok for a body encoding/json rejects.

// skipWS returns the index of the first byte at or after i that is not JSON
// whitespace.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// readKey reads a member name whose opening quote is at b[i] and the colon
// after it, returning the name and the index of the value. Names with escapes
// or bytes outside ASCII return ok=false: encoding/json would unquote them
// and fold them with Unicode rules ("ſ" matches "s", "K" matches "k"), and
// no SDK sends such names, so they go to the fallback.
func readKey(b []byte, i int) (key []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	i++
	start := i
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			key = b[start:i]
			i = skipWS(b, i+1)
			if i >= len(b) || b[i] != ':' {
				return nil, 0, false
			}
			return key, skipWS(b, i+1), true
		}
		if c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// foldEqual reports whether the ASCII name key equals name under the case
// folding encoding/json applies to ASCII (letters only).
func foldEqual(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := range len(key) {
		a, b := key[i], name[i]
		if 'a' <= a && a <= 'z' {
			a -= 'a' - 'A'
		}
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// readPlainString reads a string value whose opening quote is at b[i] and
// returns its bytes when encoding/json would yield the same bytes: no escapes
// and valid UTF-8 (encoding/json replaces invalid UTF-8 with U+FFFD).
func readPlainString(b []byte, i int) (s []byte, next int, ok bool) {
	i++ // opening quote
	start := i
	ascii := true
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			s = b[start:i]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, i + 1, true
		}
		if c < 0x20 || c == '\\' {
			return nil, 0, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return nil, 0, false
}

// isNull reports whether the literal null starts at b[i].
func isNull(b []byte, i int) bool {
	return len(b)-i >= 4 && string(b[i:i+4]) == "null"
}

// skipValue validates and skips any JSON value starting at b[i].
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i+1)
	case '{':
		return skipObject(b, i+1, depth+1)
	case '[':
		return skipArray(b, i+1, depth+1)
	case 't':
		return skipLiteral(b, i, "true")
	case 'f':
		return skipLiteral(b, i, "false")
	case 'n':
		return skipLiteral(b, i, "null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			return skipNumber(b, i)
		}
		return 0, false
	}
}

func skipLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// skipString skips a string whose opening quote is just before b[i],
// validating escapes and rejecting raw control characters. Bytes at or above
// 0x80 are accepted without UTF-8 validation, as encoding/json's scanner does.
func skipString(b []byte, i int) (int, bool) {
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(b, i+2); !ok {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		default:
			i++
		}
	}
	return 0, false
}

// skipNumber skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func skipNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// skipObject skips an object whose opening brace is just before b[i].
func skipObject(b []byte, i, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	i = skipWS(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		var ok bool
		if i, ok = skipString(b, i+1); !ok {
			return 0, false
		}
		i = skipWS(b, i)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		if i, ok = skipValue(b, skipWS(b, i+1), depth); !ok {
			return 0, false
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// skipArray skips an array whose opening bracket is just before b[i].
func skipArray(b []byte, i, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	i = skipWS(b, i)
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = skipValue(b, skipWS(b, i), depth); !ok {
			return 0, false
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// nextMember consumes the separator after a member value: it returns
// more=true after a comma (another member must follow) and more=false after
// the closing brace.
func nextMember(b []byte, i int) (next int, more, ok bool) {
	i = skipWS(b, i)
	if i >= len(b) {
		return 0, false, false
	}
	switch b[i] {
	case ',':
		return skipWS(b, i+1), true, true
	case '}':
		return i + 1, false, true
	default:
		return 0, false, false
	}
}

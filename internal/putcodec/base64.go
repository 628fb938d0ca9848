package putcodec

import (
	"bytes"
	"encoding/base64"

	simdb64 "github.com/segmentio/asm/base64"
)

// b64Fast decodes the body of a JSON string holding standard padded base64,
// starting at b[i] (just after the opening quote), into out. It handles only
// the shape SDKs send: whole quanta of alphabet characters, optionally ending
// in "x=" or "==" padding, immediately followed by the closing quote. For
// anything else (escapes, newlines, bad characters, a missing quote) it
// returns ok=false and the caller takes the slow path, which defers every
// edge case to encoding/base64 itself.
//
// The decoding is segmentio/asm's, which runs AVX2 over the bulk of the text
// (~5× the scalar loop this replaced) and hands the tail to encoding/base64,
// so its result is encoding/base64's. That includes silently skipping '\r'
// and '\n', which a JSON string cannot hold raw: the length check below
// turns any skipped byte into ok=false, so the slow path rejects the body as
// encoding/json does.
//
// out must have room for 3 bytes per 4 input characters.
func b64Fast(out, b []byte, i int) (n, next int, ok bool) {
	if i > len(b) {
		return 0, 0, false
	}
	q := bytes.IndexByte(b[i:], '"')
	if q < 0 || q%4 != 0 || q/4*3 > len(out) {
		return 0, 0, false
	}
	text := b[i : i+q]
	want := q / 4 * 3
	if q > 0 && text[q-1] == '=' {
		want--
		if text[q-2] == '=' {
			want--
		}
	}
	n, err := simdb64.StdEncoding.Decode(out, text)
	if err != nil || n != want {
		return 0, 0, false
	}
	return n, i + q + 1, true
}

// b64Slashes handles the one escape real encoders put in base64 text: PHP's
// json_encode, for one, writes "/" as "\/" by default. It copies the string
// into scratch with those escapes undone, a chunk at a time, and runs the
// fast decoder on the copy. Any other escape, or anything the fast decoder
// declines, returns ok=false for b64Slow to settle.
func b64Slashes(out, b []byte, i int, scratch []byte) (n, next int, scr []byte, ok bool) {
	q := bytes.IndexByte(b[i:], '"')
	if q < 0 {
		return 0, 0, scratch, false
	}
	// A '"' preceded by a backslash would be an escaped quote, but then the
	// backslash is followed by '"', not '/', and the loop below gives up.
	seg := b[i : i+q]
	scratch = scratch[:0]
	for {
		j := bytes.IndexByte(seg, '\\')
		if j < 0 {
			scratch = append(scratch, seg...)
			break
		}
		if j+1 >= len(seg) || seg[j+1] != '/' {
			return 0, 0, scratch, false
		}
		scratch = append(scratch, seg[:j]...)
		scratch = append(scratch, '/')
		seg = seg[j+2:]
	}
	scratch = append(scratch, '"')
	if n, _, ok = b64Fast(out, scratch, 0); !ok {
		return 0, 0, scratch, false
	}
	return n, i + q + 1, scratch, true
}

// b64Slow decodes the JSON string starting at b[i] (just after the opening
// quote) the way encoding/json does for a []byte: unquote, then
// base64.StdEncoding.Decode. It validates the string as JSON on the way.
// scratch receives the unquoted text and is returned for reuse.
//
// Any byte or \u escape outside ASCII makes the string invalid base64 for
// encoding/json as well (unquoting keeps it non-ASCII), so it returns
// ok=false there without working out the exact rune.
func b64Slow(out, b []byte, i int, scratch []byte) (n, next int, scr []byte, ok bool) {
	scratch = scratch[:0]
	for {
		if i >= len(b) {
			return 0, 0, scratch, false
		}
		c := b[i]
		switch {
		case c == '"':
			if base64.StdEncoding.DecodedLen(len(scratch)) > len(out) {
				return 0, 0, scratch, false // cannot happen with the caller's sizing; never panic
			}
			n, err := base64.StdEncoding.Decode(out, scratch)
			if err != nil {
				return 0, 0, scratch, false
			}
			return n, i + 1, scratch, true
		case c < 0x20 || c >= 0x80:
			return 0, 0, scratch, false
		case c != '\\':
			scratch = append(scratch, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return 0, 0, scratch, false
		}
		switch e := b[i+1]; e {
		case '"', '\\', '/':
			scratch = append(scratch, e)
		case 'b':
			scratch = append(scratch, '\b')
		case 'f':
			scratch = append(scratch, '\f')
		case 'n':
			scratch = append(scratch, '\n')
		case 'r':
			scratch = append(scratch, '\r')
		case 't':
			scratch = append(scratch, '\t')
		case 'u':
			r, ok := hex4(b, i+2)
			if !ok || r >= 0x80 {
				return 0, 0, scratch, false
			}
			scratch = append(scratch, byte(r))
			i += 4
		default:
			return 0, 0, scratch, false
		}
		i += 2
	}
}

// hex4 parses the four hex digits of a \u escape at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if len(b)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

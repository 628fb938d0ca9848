package putcodec

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
)

// b64Map maps a byte of the standard base64 alphabet to its 6-bit value and
// every other byte to 0xff. It is a constant string rather than an array
// variable so the table cannot be mutated; indexing it with a byte needs no
// bounds check.
const b64Map = "" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x3e\xff\xff\xff\x3f" +
	"\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\xff\xff\xff\xff\xff\xff" +
	"\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e" +
	"\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\xff\xff\xff\xff\xff" +
	"\xff\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28" +
	"\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30\x31\x32\x33\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"

// b64Fast decodes the body of a JSON string holding standard padded base64,
// starting at b[i] (just after the opening quote), into out. It handles only
// the shape SDKs send: whole quanta of alphabet characters, optionally ending
// in "x=" or "==" padding, immediately followed by the closing quote. For
// anything else (escapes, newlines, bad characters, a missing quote) it
// returns ok=false and the caller takes the slow path, which defers every
// edge case to encoding/base64 itself.
//
// Inside that shape the result equals base64.StdEncoding.Decode: the standard
// decoder is not strict about the unused bits of the last quantum, and
// neither is this one.
//
// out must have room for 3 bytes per 4 input characters; the 8-wide loop also
// writes 2 bytes of slack past the data it produces when there is room.
func b64Fast(out, b []byte, i int) (n, next int, ok bool) {
	// Eight characters (six bytes) per step, assembled in one uint64 and
	// stored with one write. 0xff marks a byte outside the alphabet, so an OR
	// of all eight values has a high bit set iff one of them is invalid; the
	// closing quote is such a byte and ends the loop.
	for len(b)-i >= 8 && len(out)-n >= 8 {
		s := b[i : i+8 : i+8]
		c0, c1, c2, c3 := b64Map[s[0]], b64Map[s[1]], b64Map[s[2]], b64Map[s[3]]
		c4, c5, c6, c7 := b64Map[s[4]], b64Map[s[5]], b64Map[s[6]], b64Map[s[7]]
		if c0|c1|c2|c3|c4|c5|c6|c7 >= 0x40 {
			break
		}
		v := uint64(c0)<<58 | uint64(c1)<<52 | uint64(c2)<<46 | uint64(c3)<<40 |
			uint64(c4)<<34 | uint64(c5)<<28 | uint64(c6)<<22 | uint64(c7)<<16
		binary.BigEndian.PutUint64(out[n:], v)
		n += 6
		i += 8
	}
	for {
		if i >= len(b) {
			return 0, 0, false
		}
		if b[i] == '"' {
			return n, i + 1, true
		}
		// A quantum needs four characters and the closing quote after it.
		if len(b)-i < 5 || len(out)-n < 3 {
			return 0, 0, false
		}
		s := b[i : i+4 : i+4]
		c0, c1, c2, c3 := b64Map[s[0]], b64Map[s[1]], b64Map[s[2]], b64Map[s[3]]
		if c0|c1|c2|c3 < 0x40 {
			v := uint32(c0)<<18 | uint32(c1)<<12 | uint32(c2)<<6 | uint32(c3)
			out[n], out[n+1], out[n+2] = byte(v>>16), byte(v>>8), byte(v)
			n += 3
			i += 4
			continue
		}
		if c0|c1 >= 0x40 || b[i+4] != '"' || s[3] != '=' {
			return 0, 0, false
		}
		if s[2] == '=' { // "xx=="
			out[n] = c0<<2 | c1>>4
			return n + 1, i + 5, true
		}
		if c2 >= 0x40 { // "xx?=" with ? outside the alphabet
			return 0, 0, false
		}
		out[n], out[n+1] = c0<<2|c1>>4, c1<<4|c2>>2 // "xxx="
		return n + 2, i + 5, true
	}
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

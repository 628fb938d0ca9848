package putcodec

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// Entry is the outcome of one record of a PutRecordBatch call: a success
// carrying RecordID when ErrorCode is empty, a failure otherwise.
type Entry struct {
	RecordID     string
	ErrorCode    string // e.g. "ServiceUnavailableException"
	ErrorMessage string // e.g. "Slow down."
}

// AppendBatchResponse appends a PutRecordBatch response body to dst:
//
//	{"Encrypted":false,"FailedPutCount":1,"RequestResponses":[{"RecordId":"…"},{"ErrorCode":"…","ErrorMessage":"…"}]}
//
// in the member order the real service uses. FailedPutCount is the number of
// entries with an ErrorCode.
func AppendBatchResponse(dst []byte, encrypted bool, entries []Entry) []byte {
	failed := 0
	for i := range entries {
		if entries[i].ErrorCode != "" {
			failed++
		}
	}
	dst = appendBatchHead(dst, encrypted, failed)
	for i := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		e := &entries[i]
		if e.ErrorCode == "" {
			dst = append(dst, `{"RecordId":`...)
			dst = appendString(dst, e.RecordID)
			dst = append(dst, '}')
			continue
		}
		dst = append(dst, `{"ErrorCode":`...)
		dst = appendString(dst, e.ErrorCode)
		dst = append(dst, `,"ErrorMessage":`...)
		dst = appendString(dst, e.ErrorMessage)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// AppendBatchAccepted appends the response of a PutRecordBatch whose n records
// were all stored, as records first … first+n-1 of the storage message with
// sequence number seq. It renders the record ids in place, so the common
// response costs no allocation at all.
func AppendBatchAccepted(dst []byte, encrypted bool, ids *IDKey, seq uint64, first uint32, n int) []byte {
	// Grow once: each entry is {"RecordId":"<id>"} plus a comma.
	const entryLen = len(`{"RecordId":""},`) + RecordIDLen
	dst = slices.Grow(dst, len(`{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[]}`)+n*entryLen)
	dst = appendBatchHead(dst, encrypted, 0)
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"RecordId":"`...)
		dst = ids.Append(dst, seq, first+uint32(i))
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

func appendBatchHead(dst []byte, encrypted bool, failed int) []byte {
	dst = append(dst, `{"Encrypted":`...)
	dst = strconv.AppendBool(dst, encrypted)
	dst = append(dst, `,"FailedPutCount":`...)
	dst = strconv.AppendInt(dst, int64(failed), 10)
	return append(dst, `,"RequestResponses":[`...)
}

// AppendPutResponse appends a PutRecord response body to dst:
//
//	{"RecordId":"…","Encrypted":false}
func AppendPutResponse(dst []byte, recordID string, encrypted bool) []byte {
	dst = append(dst, `{"RecordId":`...)
	dst = appendString(dst, recordID)
	return appendPutTail(dst, encrypted)
}

// AppendPutAccepted is AppendPutResponse with the id of record index of the
// storage message seq rendered in place.
func AppendPutAccepted(dst []byte, encrypted bool, ids *IDKey, seq uint64, index uint32) []byte {
	dst = append(dst, `{"RecordId":"`...)
	dst = ids.Append(dst, seq, index)
	dst = append(dst, '"')
	return appendPutTail(dst, encrypted)
}

func appendPutTail(dst []byte, encrypted bool) []byte {
	dst = append(dst, `,"Encrypted":`...)
	dst = strconv.AppendBool(dst, encrypted)
	return append(dst, '}')
}

// appendString appends s as a JSON string. It escapes what JSON requires
// (quote, backslash, control characters), replaces invalid UTF-8 with U+FFFD
// and escapes U+2028/U+2029 like encoding/json, so a decoder sees the same
// string encoding/json.Marshal would have produced. It does not apply
// encoding/json's HTML escaping: AWS does not.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

package http1

import (
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
)

// head is a parsed request head that the fast path can serve.
type head struct {
	header        http.Header // canonical keys, Host removed (as net/http does)
	host          string
	contentLength int64
	close         bool // the client sent Connection: close
}

var requestLine = []byte("POST / HTTP/1.1\r\n")

// parseHead parses b, a request head ending in an empty line. It reports
// false for anything the fast path leaves to net/http: another method,
// target or version, an obsolete line folding, a byte net/http might read
// differently, a missing Host or Content-Length, or any header that changes
// how the body is framed (Transfer-Encoding, Expect, Upgrade). It is
// deliberately stricter than net/http: a request it refuses is not an
// error, only a request for net/http to parse.
func parseHead(b []byte) (head, bool) {
	if !bytes.HasPrefix(b, requestLine) || !bytes.HasSuffix(b, []byte("\r\n\r\n")) {
		return head{}, false
	}
	// One string for the whole head: every name and value is a substring
	// of it, which costs one allocation instead of two per header.
	s := string(b[len(requestLine) : len(b)-2])
	n := strings.Count(s, "\n") // at least the number of lines
	values := make([]string, n) // backing array for one value per header
	h := head{header: make(http.Header, n), contentLength: -1}
	hosts, targets := 0, 0
	for i := 0; len(s) > 0; i++ {
		end := strings.Index(s, "\r\n")
		line := s[:end]
		s = s[end+2:]
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || !validName(line[:colon]) {
			return head{}, false // also catches a folded line (leading blank)
		}
		value := trimBlanks(line[colon+1:])
		if !validValue(value) {
			return head{}, false
		}
		key := textproto.CanonicalMIMEHeaderKey(line[:colon])
		switch key {
		case "Host":
			hosts++
			h.host = value
			continue
		case "Content-Length":
			if h.contentLength >= 0 {
				return head{}, false // repeated: net/http decides
			}
			if h.contentLength = parseLength(value); h.contentLength < 0 {
				return head{}, false
			}
		case "Transfer-Encoding", "Expect", "Upgrade":
			return head{}, false
		case "Connection":
			h.close = h.close || hasToken(value, "close")
		case "X-Amz-Target":
			targets++
		}
		if vs := h.header[key]; vs != nil {
			h.header[key] = append(vs, value)
			continue
		}
		values[i] = value
		h.header[key] = values[i : i+1 : i+1]
	}
	if hosts != 1 || targets == 0 || h.contentLength < 0 {
		return head{}, false
	}
	return h, true
}

// trimBlanks removes leading and trailing spaces and tabs (strings.Trim
// with a cutset costs more than the rest of the parse).
func trimBlanks(v string) string {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// parseLength parses a Content-Length value: decimal digits only, as
// net/http requires, and small enough not to overflow; -1 if it is not one.
func parseLength(v string) int64 {
	if v == "" || len(v) > 18 {
		return -1
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return -1
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n
}

// hasToken reports whether the comma-separated list v holds token,
// case-insensitively.
func hasToken(v, token string) bool {
	for part := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(part), token) {
			return true
		}
	}
	return false
}

// validName reports whether name is an RFC 7230 token, which is what
// net/http accepts as a header name.
func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !isTokenByte[name[i]] {
			return false
		}
	}
	return true
}

// validValue reports whether v holds no control bytes but tab: net/http
// refuses values with them, so the fast path leaves them to it.
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

var isTokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

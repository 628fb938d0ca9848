package http1

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// response buffers a handler's answer, which is written with one system
// call once the handler returns. The fast path serves AWS JSON calls, whose
// answers are small.
type response struct {
	header http.Header
	status int
	body   []byte
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *response) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// appendTo appends the whole response to dst. Content-Length is always
// the length of what the handler wrote; Date and Content-Type are added as
// net/http adds them.
func (w *response) appendTo(dst []byte, closing bool) []byte {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, http.StatusText(status)...)
	dst = append(dst, "\r\n"...)
	for key, values := range w.header {
		switch key {
		case "Content-Length", "Connection", "Transfer-Encoding":
			continue
		}
		if !validName(key) {
			continue
		}
		for _, v := range values {
			dst = appendHeader(dst, key, v)
		}
	}
	if _, ok := w.header["Date"]; !ok {
		dst = append(dst, "Date: "...)
		dst = appendDate(dst, time.Now())
		dst = append(dst, "\r\n"...)
	}
	if _, ok := w.header["Content-Type"]; !ok && len(w.body) > 0 {
		dst = appendHeader(dst, "Content-Type", http.DetectContentType(w.body))
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(w.body)), 10)
	dst = append(dst, "\r\n"...)
	if closing {
		dst = append(dst, "Connection: close\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, w.body...)
}

// appendHeader appends one header line, with any line break in the value
// turned into a space as net/http does, so a value cannot split the head.
func appendHeader(dst []byte, key, value string) []byte {
	dst = append(dst, key...)
	dst = append(dst, ": "...)
	if strings.ContainsAny(value, "\r\n") {
		value = strings.NewReplacer("\r", " ", "\n", " ").Replace(value)
	}
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// lastDate is the Date header's text for the most recent second a response
// was written in: formatting a time costs as much as the rest of a small
// response head, and a busy server writes thousands per second.
var lastDate atomic.Pointer[dateText]

type dateText struct {
	unix int64
	text []byte
}

// appendDate appends now as an HTTP date.
func appendDate(dst []byte, now time.Time) []byte {
	sec := now.Unix()
	d := lastDate.Load()
	if d == nil || d.unix != sec {
		d = &dateText{unix: sec, text: now.UTC().AppendFormat(nil, http.TimeFormat)}
		lastDate.Store(d)
	}
	return append(dst, d.text...)
}

package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/app/apptest"
	"github.com/sluicehq/sluice/internal/config"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// Hostile-input tests of the whole server: whatever arrives, the answer is an AWS error (or a
// closed connection for a client too slow to finish its request), the server stays up, and
// memory stays bounded. None of them asserts a timing: they wait for conditions.

const waitFor = 30 * time.Second

// apiAnswer is one response of the JSON API, checked for the AWS error envelope.
type apiAnswer struct {
	status int
	code   string
	body   []byte
}

// post sends a raw JSON 1.1 request (unsigned: these servers run in development mode).
func post(t *testing.T, url, target string, body []byte) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read answer: %v", target, err)
	}
	a := apiAnswer{status: resp.StatusCode, body: raw}
	if !utf8.Valid(raw) || !json.Valid(raw) {
		t.Fatalf("%s: answer %d is not valid UTF-8 JSON: %q", target, resp.StatusCode, truncate(raw))
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(raw, &e)
		if e.Type == "" || resp.Header.Get("X-Amzn-Errortype") != e.Type || resp.Header.Get("X-Amzn-Requestid") == "" {
			t.Fatalf("%s: %d answer is not an AWS error: headers %v body %q", target, resp.StatusCode, resp.Header, truncate(raw))
		}
		a.code = e.Type
	}
	return a
}

func truncate(b []byte) []byte {
	if len(b) > 300 {
		return append(b[:300:300], "..."...)
	}
	return b
}

// wantClientError asserts a 400-class AWS error with one of the codes.
func wantClientError(t *testing.T, what string, a apiAnswer, codes ...string) {
	t.Helper()
	if a.status < 400 || a.status > 499 {
		t.Fatalf("%s: status %d (%s), want a client error", what, a.status, truncate(a.body))
	}
	for _, c := range codes {
		if a.code == c {
			return
		}
	}
	t.Fatalf("%s: %d %s %s, want one of %v", what, a.status, a.code, truncate(a.body), codes)
}

func stillUp(t *testing.T, srv *apptest.Server) {
	t.Helper()
	a := post(t, srv.URL, "Firehose_20150804.ListDeliveryStreams", []byte("{}"))
	if a.status != http.StatusOK {
		t.Fatalf("server no longer serves: %d %s", a.status, a.body)
	}
}

// TestMalformedBodies sends deeply nested JSON, invalid UTF-8, huge numbers and broken JSON to
// every Firehose operation.
func TestMalformedBodies(t *testing.T) {
	srv := apptest.Start(t)
	deepArrays := "{\"DeliveryStreamName\":" + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + "}"
	deepObjects := strings.Repeat(`{"DeliveryStreamName":`, 100000) + `"x"` + strings.Repeat("}", 100000)
	malformed := []string{"SerializationException", "ValidationException"}
	bodies := map[string]struct {
		body  string
		codes []string // nil: any client error (the member may not exist in that operation)
	}{
		"deep arrays":      {deepArrays, malformed},
		"deep objects":     {deepObjects, malformed},
		"unclosed":         {`{"DeliveryStreamName":"x"`, malformed},
		"not an object":    {`["DeliveryStreamName"]`, malformed},
		"trailing garbage": {`{} {}`, malformed},
		"bare string":      {`"x"`, malformed},
		"huge exponent":    {`{"Limit":1e400,"DeliveryStreamName":1e400,"Records":1e400}`, malformed},
		"huge integer":     {`{"Limit":123456789012345678901234567890,"DeliveryStreamName":"s"}`, nil},
		"negative huge":    {`{"Limit":-1e308}`, nil},
		"nul bytes":        {"{\"DeliveryStreamName\":\"a\x00b\"}", nil},
	}
	ops := make([]string, 0, len(fm.Operations))
	for _, op := range fm.Operations {
		ops = append(ops, op.Name)
	}
	for name, tc := range bodies {
		for _, op := range ops {
			a := post(t, srv.URL, fm.TargetPrefix+"."+op, []byte(tc.body))
			codes := tc.codes
			if codes == nil {
				codes = []string{a.code}
			}
			wantClientError(t, name+" to "+op, a, codes...)
		}
	}
	// Invalid UTF-8 inside strings is not malformed JSON to every decoder; whatever the
	// answer, it must be well-formed (post checks it) and no server error.
	for _, op := range ops {
		body := "{\"DeliveryStreamName\":\"\xff\xfe\xfd\",\"Record\":{\"Data\":\"aGk=\"},\"Tags\":[{\"Key\":\"\xc3\x28\"}]}"
		if a := post(t, srv.URL, fm.TargetPrefix+"."+op, []byte(body)); a.status >= 500 {
			t.Fatalf("invalid UTF-8 to %s: %d %s", op, a.status, a.body)
		}
	}
	stillUp(t, srv)
}

// TestWrongTypesInEveryField generates, from the model's input types, one request per member
// (nested members included) with a value of the wrong JSON type there, for every operation.
func TestWrongTypesInEveryField(t *testing.T) {
	srv := apptest.Start(t)
	total := 0
	for _, op := range fm.Operations {
		cases := wrongTypeBodies(reflect.TypeOf(op.NewInput()))
		if len(cases) == 0 {
			continue
		}
		total += len(cases)
		for _, c := range cases {
			a := post(t, srv.URL, fm.TargetPrefix+"."+op.Name, c.body)
			wantClientError(t, op.Name+" "+c.path, a, "SerializationException")
		}
	}
	t.Logf("%d wrong-type requests answered SerializationException", total)
	if total < 100 {
		t.Fatalf("only %d cases generated: the generator lost its way", total)
	}
	stillUp(t, srv)
}

type typeCase struct {
	path string
	body []byte
}

var timestampType = reflect.TypeOf(apishape.Timestamp{})

// wrongTypeBodies walks a generated input struct and returns, for every member reachable
// within a few levels, a body whose only content is that member with a wrongly typed value
// (its parents present as objects, lists as one-element lists).
func wrongTypeBodies(t reflect.Type) []typeCase {
	var out []typeCase
	var walk func(t reflect.Type, path string, wrap func(any) any, depth int, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, path string, wrap func(any) any, depth int, seen map[reflect.Type]bool) {
		t = deref(t)
		if t.Kind() != reflect.Struct || seen[t] || depth > 5 {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			p := path + "." + name
			body, err := json.Marshal(wrap(map[string]any{name: wrongValue(f.Type)}))
			if err != nil {
				panic(err)
			}
			out = append(out, typeCase{path: p, body: body})
			ft := deref(f.Type)
			switch {
			case ft.Kind() == reflect.Struct && ft != timestampType:
				walk(ft, p, func(v any) any { return wrap(map[string]any{name: v}) }, depth+1, seen)
			case ft.Kind() == reflect.Slice && deref(ft.Elem()).Kind() == reflect.Struct:
				walk(ft.Elem(), p+"[0]", func(v any) any { return wrap(map[string]any{name: []any{v}}) }, depth+1, seen)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
				// A list of strings with a number in it.
				body, _ := json.Marshal(wrap(map[string]any{name: []any{1}}))
				out = append(out, typeCase{path: p + "[0]", body: body})
			case ft.Kind() == reflect.Map:
				body, _ := json.Marshal(wrap(map[string]any{name: map[string]any{"k": 1}}))
				out = append(out, typeCase{path: p + "{k}", body: body})
			}
		}
	}
	walk(t, "", func(v any) any { return v }, 0, map[reflect.Type]bool{})
	return out
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// wrongValue is a JSON value of another type than t's.
func wrongValue(t reflect.Type) any {
	t = deref(t)
	switch {
	case t == timestampType:
		return true
	case t.Kind() == reflect.String:
		return 12345
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "12"
	case t.Kind() == reflect.Bool:
		return "true"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return 42 // a blob is a base64 string
	case t.Kind() == reflect.Slice:
		return map[string]any{"not": "a list"}
	case t.Kind() == reflect.Map:
		return []any{"not", "an object"}
	default:
		return "not an object"
	}
}

// TestOversizedBodies: a body over the limit is refused as RequestEntityTooLargeException,
// from the Content-Length alone when there is one.
func TestOversizedBodies(t *testing.T) {
	srv := apptest.Start(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Announce 100 MB, send none of it: only a check made before reading can answer.
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: Firehose_20150804.PutRecordBatch\r\nContent-Length: %d\r\n\r\n", addr, 100<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to an oversized Content-Length: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Amzn-Errortype") != "RequestEntityTooLargeException" {
		t.Fatalf("oversized Content-Length: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}

	// Chunked, with no length announced: reading stops just past the limit.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.LimitReader(zeros{}, 8<<20))
	req.Header.Set("X-Amz-Target", "Firehose_20150804.PutRecordBatch")
	req.ContentLength = -1
	r2, err := http.DefaultClient.Do(req)
	if err == nil {
		r2.Body.Close()
		if r2.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized chunked body: %d", r2.StatusCode)
		}
	} // else: the server closed the connection while the client was still sending, also fine
	stillUp(t, srv)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// waitClosed reports, by polling, whether the server closed conn (reads return EOF or an
// error other than our own short read deadline).
func waitClosed(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	buf := make([]byte, 4096)
	apptest.Eventually(t, waitFor, what, func() bool {
		_ = conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := conn.Read(buf)
		if err == nil {
			return false // an answer (e.g. 408); keep reading until the close
		}
		ne, ok := err.(net.Error)
		return !(ok && ne.Timeout())
	})
}

// TestSlowloris: a client that sends its headers a byte at a time is cut off by the header
// timeout, and the server keeps serving others meanwhile.
func TestSlowloris(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) { c.ReadHeaderTimeout = time.Second })
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		header := "POST / HTTP/1.1\r\nHost: " + addr + "\r\nX-Amz-Target: Firehose_20150804.ListDeliveryStreams\r\nX-Padding: " + strings.Repeat("a", 1000)
		for i := 0; i < len(header); i++ {
			if _, err := conn.Write([]byte{header[i]}); err != nil {
				return // cut off
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	stillUp(t, srv)
	waitClosed(t, conn, "the slow-header connection to be closed")
	close(stop)
	wg.Wait()
	stillUp(t, srv)
}

// TestSlowBody: a client that trickles its body is cut off by the read timeout.
func TestSlowBody(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) { c.ReadTimeout = 2 * time.Second })
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: Firehose_20150804.ListDeliveryStreams\r\nContent-Length: 100000\r\n\r\n{", addr)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	waitClosed(t, conn, "the slow-body connection to be closed")
	close(stop)
	wg.Wait()
	stillUp(t, srv)
}

// TestIdleConnectionsClosed: a keep-alive connection left idle is closed by the server.
func TestIdleConnectionsClosed(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) { c.IdleTimeout = time.Second })
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: Firehose_20150804.ListDeliveryStreams\r\nContent-Length: 2\r\n\r\n{}", addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("first request: %d, close=%v", resp.StatusCode, resp.Close)
	}
	waitClosed(t, conn, "the idle connection to be closed")
}

// TestMaxInFlightThroughServer: with one slot, a request holding it (its body still arriving)
// makes the next one ServiceUnavailableException; once it completes, requests are served.
func TestMaxInFlightThroughServer(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) { c.MaxInFlight = 1 })
	addr := strings.TrimPrefix(srv.URL, "http://")
	var conn net.Conn
	hold := func() {
		if conn != nil {
			conn.Close()
		}
		var err error
		if conn, err = net.Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: Firehose_20150804.ListDeliveryStreams\r\nContent-Length: 2\r\n\r\n{", addr)
	}
	hold()
	defer func() { conn.Close() }()
	var busy apiAnswer
	apptest.Eventually(t, waitFor, "ServiceUnavailableException while the slot is held", func() bool {
		busy = post(t, srv.URL, "Firehose_20150804.ListDeliveryStreams", []byte("{}"))
		if busy.status == http.StatusServiceUnavailable {
			return true
		}
		// If a probe held the slot when the holding request arrived, that
		// request was itself refused and holds nothing: send it again.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := bufio.NewReader(conn).Peek(1); err == nil {
			hold()
		}
		_ = conn.SetReadDeadline(time.Time{})
		return false
	})
	if busy.code != "ServiceUnavailableException" {
		t.Fatalf("over the bound: %s", busy.code)
	}
	fmt.Fprint(conn, "}")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the held request: %d", resp.StatusCode)
	}
	apptest.Eventually(t, waitFor, "the slot to be free again", func() bool {
		return post(t, srv.URL, "Firehose_20150804.ListDeliveryStreams", []byte("{}")).status == http.StatusOK
	})
}

// TestMemoryBoundedUnderHostileBurst sends a burst of large and malformed requests, many at
// once, and checks that the heap returns to where it was: nothing is retained per request.
// The peak is logged, not asserted (it depends on the GC's pacing).
func TestMemoryBoundedUnderHostileBurst(t *testing.T) {
	srv := apptest.Start(t, func(c *config.Config) { c.MaxInFlight = 8 })
	stillUp(t, srv)
	before := heapAfterGC()

	var peak uint64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-sampling:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak {
					peak = ms.HeapAlloc
				}
			}
		}
	}()

	big := append([]byte(`{"DeliveryStreamName":"nope","Records":[{"Data":"`), bytes.Repeat([]byte("QUFB"), (5<<20)/4)...)
	big = append(big, `"}]}`...)
	nested := []byte(strings.Repeat("[", 50000) + strings.Repeat("]", 50000))
	bodies := [][]byte{big, nested, []byte(`{"Limit":1e400}`), []byte("\xff\xfe"), []byte(`{"Records":{}}`)}
	var wg sync.WaitGroup
	statuses := make(chan int, 400)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				body := bodies[(w+i)%len(bodies)]
				req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
				req.Header.Set("X-Amz-Target", "Firehose_20150804.PutRecordBatch")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- -1
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses <- resp.StatusCode
			}
		}(w)
	}
	wg.Wait()
	close(sampling)
	<-sampled
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	keys := make([]int, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		if k == -1 || k >= 500 && k != http.StatusServiceUnavailable {
			t.Errorf("%d requests answered %d", counts[k], k)
		}
	}
	stillUp(t, srv)

	var after uint64
	apptest.Eventually(t, waitFor, "the heap to come back down", func() bool {
		after = heapAfterGC()
		return after < before+64<<20
	})
	t.Logf("statuses %v; heap before %d MiB, peak %d MiB, after %d MiB", counts, before>>20, peak>>20, after>>20)
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

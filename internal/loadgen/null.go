package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// NullServer answers PutRecord and PutRecordBatch with a canned success of
// the size Sluice's would have, and does nothing else: no decoding, no
// storage. Driving it measures the load generator's own ceiling on a
// machine (the SDK client's cost, and HTTP on both ends), which bounds
// what any server sharing that machine with the generator can show.
type NullServer struct {
	URL string
	srv *http.Server
}

// StartNullServer listens on a free loopback port and answers calls of
// batchSize records.
func StartNullServer(batchSize int) (*NullServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loadgen: null server: %w", err)
	}
	// Record ids of the same length as Sluice's (22 characters).
	const id = "nullnullnullnullnullnu"
	putBody := []byte(`{"Encrypted":false,"RecordId":"` + id + `"}`)
	entries := strings.TrimSuffix(strings.Repeat(`{"RecordId":"`+id+`"},`, batchSize), ",")
	batchBody := []byte(`{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[` + entries + `]}`)

	n := &NullServer{URL: "http://" + ln.Addr().String()}
	n.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		body := putBody
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutRecordBatch") {
			body = batchBody
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(body)
	})}
	// Serve ends with ErrServerClosed at Close; should the listener break
	// earlier, the generator's calls fail and the run reports them.
	go func() { _ = n.srv.Serve(ln) }()
	return n, nil
}

// Close stops the server.
func (n *NullServer) Close() error { return n.srv.Shutdown(context.Background()) }

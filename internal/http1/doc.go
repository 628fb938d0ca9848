// Package http1 serves the requests that make up almost all of Sluice's
// load, AWS JSON calls such as PutRecord, over HTTP/1.1 with less work per
// request than net/http, and hands every other connection to net/http.
//
// Why: with 64 clients calling PutRecord, net/http's own work (a
// background read per request to notice a closing client, four deadline
// changes, a header map built through textproto, two or three read system
// calls) was a third of the server's CPU; see docs/BENCHMARKS.md.
//
// What it takes: a plain-TCP keep-alive connection whose request is
// exactly "POST / HTTP/1.1" with an X-Amz-Target header, a Host, a single
// Content-Length, no Transfer-Encoding and no Expect, and whose head fits
// in the connection's 4 KiB read buffer. Anything else, whenever it comes
// (a TLS connection, a GET, a chunked body, a malformed or oversized
// head), makes the connection net/http's for the rest of its life, bytes
// already read included, so net/http answers it exactly as it would have.
// The requests the fast path takes reach the same http.Handler, with the
// same timeouts, as the ones net/http serves.
package http1

// Package firehoseapi is the wire face of the Firehose domain: one handler
// per operation of Firehose_20150804, each decoding its generated input
// type, calling internal/firehose, and shaping the output exactly as the
// real service does. Domain errors become AWS errors in one table
// (errors.go).
//
// It may import awsproto, the generated model and the domain; the domain
// must never import it.
package firehoseapi

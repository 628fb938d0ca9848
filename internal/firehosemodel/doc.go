// Package firehosemodel holds the wire types of the Amazon Data Firehose API
// (Firehose_20150804, AWS JSON 1.1) and their validation, generated from the
// official service model.
//
// Everything in the zz_generated_*.go files is written by tools/apigen from
// tools/apigen/models/firehose-2015-08-04.json (botocore's model with its
// documentation text removed); do not edit them, run `go generate ./...`
// instead. The only hand-written code is lookaround.go: the matchers for the
// few model patterns that use Java look-arounds, which Go's RE2 lacks.
//
// Shapes map to Go as follows: a structure is a struct of the same name with
// one field per member (JSON tag = member name); every scalar member is a
// pointer so that absence differs from the zero value; blobs are []byte
// (standard base64 on the wire), lists are slices, maps are map[string]T,
// timestamps are apishape.Timestamp; enums are named string types with a
// constant per value. Each operation input has Validate, which checks the
// whole tree against the model (required, length, range, pattern, enum) and
// reports the violations as *apishape.ValidationError with Coral's message.
//
// This package must import nothing but the standard library and
// internal/apishape: the protocol layer, the domain and the tests all depend
// on it.
package firehosemodel

//go:generate go run ../../tools/apigen gen -service firehose

// Package kmsmodel holds the wire types of the AWS KMS API (TrentService,
// AWS JSON 1.1) and their validation, generated from the official service
// model; Sluice's built-in KMS serves a subset of these operations.
//
// Everything in the zz_generated_*.go files is written by tools/apigen from
// tools/apigen/models/kms-2014-11-01.json (botocore's model with its
// documentation text removed); do not edit them, run `go generate ./...`
// instead.
//
// The mapping of shapes to Go is the one described in package firehosemodel:
// structures become structs with pointer scalars, blobs []byte, enums named
// string types, and each operation input has a Validate method returning nil
// or *apishape.ValidationError. Members the model marks sensitive (Plaintext)
// are never printed in validation messages.
//
// This package must import nothing but the standard library and
// internal/apishape.
package kmsmodel

//go:generate go run ../../tools/apigen gen -service kms

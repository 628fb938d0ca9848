// Command apigen turns the botocore service models of Firehose and KMS into
// Go request/response types with model-driven validation.
//
// Usage:
//
//	go run ./tools/apigen trim <botocore service-2.json[.gz]> <out.json>
//	go run ./tools/apigen gen [-service firehose|kms]
//
// trim copies a botocore model without its documentation text (the copy is
// committed under tools/apigen/models). gen reads the committed copies and
// writes the zz_generated_*.go files of internal/firehosemodel and
// internal/kmsmodel. See README.md.
//
// It imports only the standard library; the generated packages import only
// the standard library and internal/apishape.
package main

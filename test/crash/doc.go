// Package crash holds the crash test of Sluice's ingest path: it builds
// the sluice binary, loads it with concurrent PutRecordBatch and PutRecord
// calls, kills it with SIGKILL at a random moment, restarts it on the same
// data directory, and proves that every record whose call was acknowledged
// is still stored, byte for byte.
//
// It has no non-test code; this file exists to document the package.
package crash

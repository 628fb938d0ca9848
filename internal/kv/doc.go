// Package kv declares the versioned key-value catalog that the domain packages
// (delivery streams, KMS keys, grants) keep their state in, and an in-memory
// implementation for unit tests.
//
// The production implementation lives in internal/store on JetStream
// key-value buckets; this package exists so that the domain depends on a small
// interface with a documented error contract and never on NATS itself.
//
// Every write is a compare-and-set on the entry's revision. That is what makes
// VersionId checks, ConcurrentModificationException and state transitions
// safe when several Sluice nodes share one catalog.
//
// This package must import nothing but the standard library.
package kv

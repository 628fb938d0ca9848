// Package store is Sluice's storage engine: NATS JetStream, either embedded
// in the process (the default: no network listener, file storage under the
// data directory) or an external cluster reached with --nats-url. The code
// path is the same for both.
//
// It provides two things: key-value buckets implementing kv.Store (the
// catalog of delivery streams, KMS keys and grants), and the record log, a
// JetStream work-queue stream in which every acknowledged PutRecord(Batch)
// is stored, durably, until delivery acknowledges it.
//
// Only this package (and the app that wires it) may import NATS.
package store

// Package firehose is the domain of Sluice: delivery streams, their
// lifecycle (CREATING → ACTIVE, DELETING → gone), the rules the real
// service applies to their configuration, tags, destination updates with
// VersionId compare-and-set, and (in its own files) server-side encryption.
//
// The configuration of sources and destinations is kept in the shapes of
// the official API model (internal/firehosemodel), because Sluice must store
// and describe every field AWS accepts, even for destinations it does not
// deliver to yet.
//
// It must not import net/http, NATS or the AWS SDK: storage comes in
// through kv.Store and the record log through the interfaces declared here.
// Errors are *Error values wrapping one of the Err* kinds; the wire layer
// maps kinds to AWS error codes in one table.
package firehose

package delivery

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
)

// Streams lists every delivery stream of the catalog, of every account and
// region.
type Streams interface {
	All(ctx context.Context) ([]*firehose.DeliveryStream, error)
}

// RecordLog hands out one consumer per delivery stream.
type RecordLog interface {
	// OpenConsumer returns a consumer that starts at the stream's first
	// stored (not yet acknowledged) message, whatever an earlier consumer
	// had been handed out.
	OpenConsumer(ctx context.Context, streamUID string) (Consumer, error)
	// DeleteConsumer forgets the consumer of a deleted stream.
	DeleteConsumer(ctx context.Context, streamUID string) error
}

// Consumer reads one stream's stored messages in sequence order. It may
// hand out a message again (after its acknowledgement deadline); the runner
// ignores sequences it has already taken.
type Consumer interface {
	// Next returns the next message, waiting at most maxWait; ok is false
	// when none came in time.
	Next(ctx context.Context, maxWait time.Duration) (msg Message, ok bool, err error)
	// AckThrough acknowledges every message up to and including seq, all
	// at once or (on error) none.
	AckThrough(ctx context.Context, seq uint64) error
	Close()
}

// Message is one stored message: a records message (records.Parse).
type Message struct {
	Seq  uint64
	Data []byte
	// Delivery numbers the consumer's deliveries from 1, redeliveries
	// included, with no gaps unless one was lost on the way (0: not
	// tracked). A lost delivery means a stored message was skipped, so the
	// runner starts over rather than acknowledge past it.
	Delivery uint64
}

// Decrypter opens sealed messages (server-side encryption). The returned
// Reader iterates over plaintext appended to dst.
type Decrypter interface {
	Open(ctx context.Context, ds *firehose.DeliveryStream, msg *records.Message, dst []byte) (records.Reader, []byte, error)
}

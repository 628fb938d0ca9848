package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/kv"
)

// streamKey is the catalog key of a delivery stream.
func streamKey(c Caller, name string) string {
	return kv.Key("stream", kv.Token(c.AccountID), kv.Token(c.Region), kv.Token(name))
}

func accountPrefix(c Caller) string {
	return kv.Key("stream", kv.Token(c.AccountID), kv.Token(c.Region)) + "."
}

const allStreamsPrefix = "stream."

// stored is a delivery stream as read from the catalog, with the revision
// a compare-and-set write must name.
type stored struct {
	DeliveryStream
	revision uint64
}

func (s *Service) load(ctx context.Context, c Caller, name string) (*stored, error) {
	e, err := s.catalog.Get(ctx, streamKey(c, name))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, notFound(c, name)
	}
	if err != nil {
		return nil, fmt.Errorf("firehose: load %s: %w", name, err)
	}
	return decodeStream(e)
}

func decodeStream(e kv.Entry) (*stored, error) {
	st := &stored{revision: e.Revision}
	if err := json.Unmarshal(e.Value, &st.DeliveryStream); err != nil {
		return nil, fmt.Errorf("firehose: decode %s: %w", e.Key, err)
	}
	return st, nil
}

// save writes st back with a compare-and-set on the revision it was read
// at; kv.ErrConflict means someone else changed the stream in between.
func (s *Service) save(ctx context.Context, st *stored) error {
	raw, err := json.Marshal(&st.DeliveryStream)
	if err != nil {
		return fmt.Errorf("firehose: encode %s: %w", st.Name, err)
	}
	key := streamKey(Caller{st.AccountID, st.Region}, st.Name)
	rev, err := s.catalog.Update(ctx, key, raw, st.revision)
	if err != nil {
		return err
	}
	st.revision = rev
	s.cache.forget(key)
	return nil
}

// modify applies change to the current version of a stream, retrying on
// compare-and-set conflicts, for changes that do not depend on what the
// caller saw earlier (tags, lifecycle transitions).
func (s *Service) modify(ctx context.Context, c Caller, name string, change func(*DeliveryStream) error) (*stored, error) {
	for attempt := 0; ; attempt++ {
		st, err := s.load(ctx, c, name)
		if err != nil {
			return nil, err
		}
		if err := change(&st.DeliveryStream); err != nil {
			return nil, err
		}
		err = s.save(ctx, st)
		if err == nil {
			return st, nil
		}
		if !errors.Is(err, kv.ErrConflict) || attempt >= 20 {
			return nil, fmt.Errorf("firehose: update %s: %w", name, err)
		}
	}
}

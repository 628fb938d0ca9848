package firehose

import (
	"context"
	"fmt"
)

// All returns every delivery stream in the catalog, of every account and
// region and in any status, for background workers (delivery) that act on
// all of them. Entries that cannot be decoded are skipped: the lifecycle
// controller reports them.
func (s *Service) All(ctx context.Context) ([]*DeliveryStream, error) {
	entries, err := s.catalog.List(ctx, allStreamsPrefix)
	if err != nil {
		return nil, fmt.Errorf("firehose: list all streams: %w", err)
	}
	out := make([]*DeliveryStream, 0, len(entries))
	for _, e := range entries {
		st, err := decodeStream(e)
		if err != nil {
			continue
		}
		out = append(out, &st.DeliveryStream)
	}
	return out, nil
}

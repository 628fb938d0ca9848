package firehose

import (
	"context"
	"fmt"
	"sort"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// Describe returns the catalog record of a stream in any status.
func (s *Service) Describe(ctx context.Context, c Caller, name string) (*DeliveryStream, error) {
	st, err := s.load(ctx, c, name)
	if err != nil {
		return nil, err
	}
	return &st.DeliveryStream, nil
}

// ListResult is one page of ListDeliveryStreams.
type ListResult struct {
	Names   []string
	HasMore bool
}

// List implements ListDeliveryStreams: names in byte-wise ascending order,
// strictly after exclusiveStart, optionally of one type, at most limit.
func (s *Service) List(ctx context.Context, c Caller, limit int, streamType fm.DeliveryStreamType, exclusiveStart string) (ListResult, error) {
	entries, err := s.catalog.List(ctx, accountPrefix(c))
	if err != nil {
		return ListResult{}, fmt.Errorf("firehose: list streams: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		st, err := decodeStream(e)
		if err != nil {
			return ListResult{}, err
		}
		if streamType != "" && st.Type != streamType {
			continue
		}
		if exclusiveStart != "" && st.Name <= exclusiveStart {
			continue
		}
		names = append(names, st.Name)
	}
	sort.Strings(names)
	res := ListResult{Names: names}
	if len(names) > limit {
		res.Names, res.HasMore = names[:limit], true
	}
	return res, nil
}

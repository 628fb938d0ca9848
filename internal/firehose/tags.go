package firehose

import (
	"context"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// MaxTags is the number of tags a stream may carry.
const MaxTags = 50

// Tag implements TagDeliveryStream: existing keys get the new value, and
// the stream may hold at most MaxTags tags. Tags do not change VersionId.
func (s *Service) Tag(ctx context.Context, c Caller, name string, tags []fm.Tag) error {
	if err := checkTagKeysUnique(tags); err != nil {
		return err
	}
	_, err := s.modify(ctx, c, name, func(ds *DeliveryStream) error {
		if err := checkTaggable(ds); err != nil {
			return err
		}
		merged := append([]fm.Tag(nil), ds.Tags...)
		for _, t := range tags {
			if i := tagIndex(merged, deref(t.Key)); i >= 0 {
				merged[i].Value = t.Value
			} else {
				merged = append(merged, t)
			}
		}
		if len(merged) > MaxTags {
			return newError(ErrLimitExceeded, "A Firehose stream can have at most %d tags; this request would leave %d.", MaxTags, len(merged))
		}
		ds.Tags = merged
		return nil
	})
	return err
}

// Untag implements UntagDeliveryStream; unknown keys are ignored.
func (s *Service) Untag(ctx context.Context, c Caller, name string, keys []string) error {
	_, err := s.modify(ctx, c, name, func(ds *DeliveryStream) error {
		if err := checkTaggable(ds); err != nil {
			return err
		}
		kept := ds.Tags[:0:0]
		for _, t := range ds.Tags {
			if !contains(keys, deref(t.Key)) {
				kept = append(kept, t)
			}
		}
		ds.Tags = kept
		return nil
	})
	return err
}

// TagPage is one page of ListTagsForDeliveryStream.
type TagPage struct {
	Tags    []fm.Tag
	HasMore bool
}

// ListTags returns the stream's tags in the order they were added,
// starting after exclusiveStartKey (from the beginning when that key is
// not a tag of the stream), at most limit of them (0: all).
func (s *Service) ListTags(ctx context.Context, c Caller, name, exclusiveStartKey string, limit int) (TagPage, error) {
	st, err := s.load(ctx, c, name)
	if err != nil {
		return TagPage{}, err
	}
	tags := st.Tags
	if i := tagIndex(tags, exclusiveStartKey); exclusiveStartKey != "" && i >= 0 {
		tags = tags[i+1:]
	}
	page := TagPage{Tags: append([]fm.Tag{}, tags...)}
	if limit > 0 && len(page.Tags) > limit {
		page.Tags, page.HasMore = page.Tags[:limit], true
	}
	return page, nil
}

// checkTaggable refuses tag changes while the stream is being created or
// deleted: ResourceInUseException is a modelled error of Tag and Untag, and
// a transitional status is the one state it can describe (spec §2.9).
// Tags given to CreateDeliveryStream are the way to tag a stream from
// birth; ListTagsForDeliveryStream works in every status.
func checkTaggable(ds *DeliveryStream) *Error {
	if ds.Status == StatusCreating || ds.Status == StatusDeleting {
		return newError(ErrInUse, "Firehose %s under account %s is in %s state.", ds.Name, ds.AccountID, ds.Status)
	}
	return nil
}

func checkTagKeysUnique(tags []fm.Tag) *Error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := deref(t.Key)
		if seen[k] {
			return invalidArgument("Duplicate tag key %s in the request.", k)
		}
		seen[k] = true
	}
	return nil
}

func tagIndex(tags []fm.Tag, key string) int {
	for i, t := range tags {
		if deref(t.Key) == key {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

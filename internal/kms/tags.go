package kms

import (
	"context"
	"slices"
	"strings"
)

const (
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// mergeTags adds (or overwrites) tags on existing and returns the result
// sorted by key, refusing what KMS refuses: reserved aws: keys, duplicate
// keys in one request, and more than max tags in all.
func mergeTags(existing, add []Tag, max int) ([]Tag, error) {
	seen := make(map[string]bool, len(add))
	for i, t := range add {
		if t.TagKey == "" {
			return nil, validationf("1 validation error detected: Value '' at 'tags.%d.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1", i+1)
		}
		if len(t.TagKey) > maxTagKeyLen {
			return nil, validationf("1 validation error detected: Value '%s' at 'tags.%d.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to %d", t.TagKey, i+1, maxTagKeyLen)
		}
		if len(t.TagValue) > maxTagValueLen {
			return nil, validationf("1 validation error detected: Value '%s' at 'tags.%d.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to %d", t.TagValue, i+1, maxTagValueLen)
		}
		if seen[t.TagKey] {
			return nil, errorf(CodeTag, "Duplicate tag keys")
		}
		seen[t.TagKey] = true
		if strings.HasPrefix(strings.ToLower(t.TagKey), "aws:") {
			return nil, errorf(CodeTag, "Tags beginning with aws: are reserved")
		}
	}
	out := slices.Clone(existing)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(e Tag) bool { return e.TagKey == t.TagKey }); i >= 0 {
			out[i].TagValue = t.TagValue
		} else {
			out = append(out, t)
		}
	}
	if len(out) > max {
		return nil, errorf(CodeTag, "Too many tags")
	}
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.TagKey, b.TagKey) })
	return out, nil
}

// TagResource adds or overwrites tags on a key (key id or key ARN).
func (s *Service) TagResource(ctx context.Context, c Caller, keyID string, tags []Tag) error {
	_, err := s.updateKey(ctx, c, keyID, OpTagResource, func(r *keyRecord) (bool, error) {
		merged, err := mergeTags(r.Tags, tags, s.cfg.MaxTagsPerKey)
		if err != nil {
			return false, err
		}
		r.Tags = merged
		return true, nil
	})
	return err
}

// UntagResource removes tags from a key; keys that are not there are
// ignored, as in AWS.
func (s *Service) UntagResource(ctx context.Context, c Caller, keyID string, tagKeys []string) error {
	_, err := s.updateKey(ctx, c, keyID, OpUntagResource, func(r *keyRecord) (bool, error) {
		n := len(r.Tags)
		r.Tags = slices.DeleteFunc(r.Tags, func(t Tag) bool { return slices.Contains(tagKeys, t.TagKey) })
		return len(r.Tags) != n, nil
	})
	return err
}

// ListResourceTags lists a key's tags ordered by tag key. Limit defaults to
// 50 (max 50). Works in every key state.
func (s *Service) ListResourceTags(ctx context.Context, c Caller, keyID string, p Page) ([]Tag, PageResult, error) {
	ck, err := s.resolve(ctx, c, keyID, false)
	if err != nil {
		return nil, PageResult{}, err
	}
	return paginate(slices.Clone(ck.rec.Tags), func(t Tag) string { return t.TagKey }, "tags", p, 50, 50)
}

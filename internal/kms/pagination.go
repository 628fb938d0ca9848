package kms

import (
	"encoding/base64"
	"slices"
	"strings"
)

// paginate sorts items by sortKey and returns the page after p.Marker.
//
// A marker is opaque to clients: base64url of the list kind and the sort key
// of the last item returned. Resuming "after the last key" rather than "at
// an offset" keeps pages stable while items are added or removed, and the
// kind stops a marker of one list from being replayed on another.
func paginate[T any](items []T, sortKey func(T) string, kind string, p Page, defLimit, maxLimit int) ([]T, PageResult, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = defLimit
	case limit < 0:
		return nil, PageResult{}, validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", p.Limit)
	case limit > maxLimit:
		limit = maxLimit
	}
	slices.SortFunc(items, func(a, b T) int { return strings.Compare(sortKey(a), sortKey(b)) })
	start := 0
	if p.Marker != "" {
		after, ok := decodeMarker(kind, p.Marker)
		if !ok {
			return nil, PageResult{}, errorf(CodeInvalidMarker, "Invalid marker '%s'", p.Marker)
		}
		start, _ = slices.BinarySearchFunc(items, after, func(it T, key string) int {
			if c := strings.Compare(sortKey(it), key); c != 0 {
				return c
			}
			return -1 // an item equal to the marker was already returned
		})
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if end < len(items) {
		return page, PageResult{Truncated: true, NextMarker: encodeMarker(kind, sortKey(page[len(page)-1]))}, nil
	}
	return page, PageResult{}, nil
}

func encodeMarker(kind, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + after))
}

func decodeMarker(kind, marker string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil {
		return "", false
	}
	k, after, ok := strings.Cut(string(b), "\x00")
	if !ok || k != kind {
		return "", false
	}
	return after, true
}

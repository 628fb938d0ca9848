package loadgen

import (
	"math/bits"
	"time"
)

// histogram records durations in log-linear buckets: 128 sub-buckets per
// power of two, so a reported percentile is within 1% of the true value
// while a worker's histogram stays a fixed 64 KiB however long the run.
type histogram struct {
	counts [64 << subBits]uint64
	n      uint64
	max    time.Duration
}

const subBits = 7

func bucketOf(v int64) int {
	if v < 1<<subBits {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - subBits - 1
	m := v >> e // in [1<<subBits, 2<<subBits)
	return (e+1)<<subBits + int(m-1<<subBits)
}

// valueOf is the middle of bucket i.
func valueOf(i int) int64 {
	if i < 1<<subBits {
		return int64(i)
	}
	e := i>>subBits - 1
	m := int64(i&(1<<subBits-1)) + 1<<subBits
	return m<<e + (int64(1)<<e)/2
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(int64(d))]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile (0 < q ≤ 1) of the recorded durations.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(valueOf(i)), h.max)
		}
	}
	return h.max
}

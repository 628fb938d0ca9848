package ingest

import (
	"sync"
	"time"
)

// Quota is the per-stream Direct PUT throughput quota. AWS's default in the
// largest regions is 500,000 records/s, 2,000 requests/s and 5 MiB/s; in
// Sluice every limit is off (0) unless configured.
type Quota struct {
	RecordsPerSecond  float64
	RequestsPerSecond float64
	BytesPerSecond    float64
}

func (q Quota) enabled() bool {
	return q.RecordsPerSecond > 0 || q.RequestsPerSecond > 0 || q.BytesPerSecond > 0
}

// quotas keeps three token buckets per stream, each refilled continuously
// with a burst of one second's worth, as spec §3.3 recommends. A bucket
// holds at least one unit, so that a rate below 1/s (handy in tests) still
// admits one record or request every 1/rate seconds.
type quotas struct {
	q  Quota
	mu sync.Mutex
	m  map[string]*buckets
}

type buckets struct {
	records, requests, bytes float64
	last                     time.Time
}

func (qs *quotas) init(q Quota) {
	qs.q = q
	qs.m = make(map[string]*buckets)
}

// admit takes the tokens of one call. It returns false when the request
// quota refuses the whole call; otherwise it returns how many of recs, from
// the front, fit the record and byte quotas now.
func (qs *quotas) admit(uid string, now time.Time, recs [][]byte) (int, bool) {
	if !qs.q.enabled() {
		return len(recs), true
	}
	qs.mu.Lock()
	defer qs.mu.Unlock()
	b := qs.m[uid]
	if b == nil {
		b = &buckets{records: capacity(qs.q.RecordsPerSecond), requests: capacity(qs.q.RequestsPerSecond),
			bytes: capacity(qs.q.BytesPerSecond), last: now}
		qs.m[uid] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.records = refill(b.records, qs.q.RecordsPerSecond, elapsed)
		b.requests = refill(b.requests, qs.q.RequestsPerSecond, elapsed)
		b.bytes = refill(b.bytes, qs.q.BytesPerSecond, elapsed)
		b.last = now
	}
	if qs.q.RequestsPerSecond > 0 {
		if b.requests < 1 {
			return 0, false
		}
		b.requests--
	}
	n := 0
	for _, r := range recs {
		if qs.q.RecordsPerSecond > 0 && b.records < 1 {
			break
		}
		if qs.q.BytesPerSecond > 0 && b.bytes < float64(len(r)) {
			break
		}
		if qs.q.RecordsPerSecond > 0 {
			b.records--
		}
		if qs.q.BytesPerSecond > 0 {
			b.bytes -= float64(len(r))
		}
		n++
	}
	return n, true
}

func capacity(rate float64) float64 { return max(rate, 1) }

func refill(tokens, rate, elapsed float64) float64 {
	if rate <= 0 {
		return tokens
	}
	return min(tokens+rate*elapsed, capacity(rate))
}

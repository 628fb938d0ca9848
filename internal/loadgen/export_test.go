package loadgen

import "time"

// Quantiles runs durations through the histogram the workers use.
func Quantiles(ds []time.Duration) (p50, p99, maxD time.Duration) {
	var h histogram
	for _, d := range ds {
		h.record(d)
	}
	return h.quantile(0.50), h.quantile(0.99), h.max
}

package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

const mib = 1 << 20

// RecordsPerSecond, CallsPerSecond and MiBPerSecond are the run's rates.
func (r *Result) RecordsPerSecond() float64 { return float64(r.Records) / r.Elapsed.Seconds() }
func (r *Result) CallsPerSecond() float64   { return float64(r.Calls) / r.Elapsed.Seconds() }
func (r *Result) MiBPerSecond() float64     { return float64(r.Bytes) / mib / r.Elapsed.Seconds() }

// Print writes the human-readable report. usage is the spawned server's,
// or nil when the server was not started by the generator.
func (r *Result) Print(w io.Writer, usage *Usage) {
	c := r.Config
	fmt.Fprintf(w, "%s: %d workers, %d record(s) of %d B per call, %s, target %s, stream %s, %s HTTP client\n",
		c.Operation(), c.Concurrency, c.BatchSize, c.RecordSize, r.Elapsed.Round(time.Millisecond), c.Target, c.Stream, c.HTTPClient.orDefault())
	fmt.Fprintf(w, "  calls     %12d  %12.1f /s\n", r.Calls, r.CallsPerSecond())
	fmt.Fprintf(w, "  records   %12d  %12.1f /s\n", r.Records, r.RecordsPerSecond())
	fmt.Fprintf(w, "  data      %12.1f MiB %8.1f MiB/s\n", float64(r.Bytes)/mib, r.MiBPerSecond())
	fmt.Fprintf(w, "  latency   p50 %s  p99 %s  max %s\n", fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.Max))
	fmt.Fprintf(w, "  errors    calls: %s; records: %s\n", fmtCounts(r.CallErrors), fmtCounts(r.RecordErrors))
	fmt.Fprintf(w, "  generator CPU %.1f s (%.2f cores, GOMAXPROCS %d), peak RSS %.1f MiB\n",
		r.GeneratorCPU.Seconds(), r.GeneratorCPU.Seconds()/r.Elapsed.Seconds(), r.GeneratorProcs, float64(r.GeneratorPeakRSS)/mib)
	if usage != nil {
		fmt.Fprintf(w, "  server    peak RSS %.1f MiB, CPU %.1f s (%.2f cores, %.1f µs per record), %d minor page faults\n",
			float64(usage.PeakRSS)/mib, usage.CPU.Seconds(), usage.CPU.Seconds()/r.Elapsed.Seconds(),
			float64(usage.CPU.Microseconds())/float64(max(r.Records, 1)), usage.MinorFaults)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}

func fmtCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

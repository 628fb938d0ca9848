//go:build race

package putcodec_test

// The race detector's instrumentation allocates; allocation tests skip.
const raceEnabled = true

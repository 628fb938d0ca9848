//go:build race

package records_test

// The race detector's instrumentation allocates; allocation tests skip.
const raceEnabled = true

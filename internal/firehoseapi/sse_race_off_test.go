//go:build !race

package firehoseapi_test

// raceDetector is true in builds with -race, which make some tests too
// slow to be worth running there.
const raceDetector = false

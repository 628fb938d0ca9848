//go:build !race

package putcodec_test

const raceEnabled = false

package apishape

import (
	"math"
	"regexp"
	"testing"
)

func TestRenderDouble(t *testing.T) {
	// Expected values are what Java's Double.toString prints.
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{1.5, "1.5"},
		{-0.25, "-0.25"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{1.5e-5, "1.5E-5"},
		{9999999, "9999999.0"},
		{1e7, "1.0E7"},
		{1.25e10, "1.25E10"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := RenderDouble(tt.in); got != tt.want {
			t.Errorf("RenderDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderCollections(t *testing.T) {
	type mode string
	tests := []struct {
		got, want string
	}{
		{RenderBlob(nil), "java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]"},
		{RenderBlob(make([]byte, 1024001)), "java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]"},
		{RenderStrings([]string{}), "[]"},
		{RenderStrings([]string{"a"}), "[a]"},
		{RenderStrings([]mode{"GZIP", "ZIP"}), "[GZIP, ZIP]"},
		{RenderInts([]int32{1, -2}), "[1, -2]"},
		{RenderStringMap(map[string]string{}), "{}"},
		{RenderStringMap(map[string]string{"z": "1", "a": "x y"}), "{a=x y, z=1}"},
		{RenderList(2, func(i int) string { return RenderBlob(make([]byte, i)) }),
			"[java.nio.HeapByteBuffer[pos=0 lim=0 cap=0], java.nio.HeapByteBuffer[pos=0 lim=1 cap=1]]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestRenderObject(t *testing.T) {
	type rec struct{ Data []byte }
	a := RenderObject("com.amazonaws.firehose.v20150804.Record", &rec{Data: []byte("x")})
	b := RenderObject("com.amazonaws.firehose.v20150804.Record", &rec{Data: []byte("x")})
	c := RenderObject("com.amazonaws.firehose.v20150804.Record", &rec{Data: []byte("y")})
	if !regexp.MustCompile(`^com\.amazonaws\.firehose\.v20150804\.Record@[0-9a-f]{1,8}$`).MatchString(a) {
		t.Errorf("RenderObject = %q, want Java's class@hexhash form", a)
	}
	if a != b || a == c {
		t.Errorf("RenderObject: equal values must print alike, different ones differently: %q %q %q", a, b, c)
	}
}

package apishape

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The Render functions print values the way Coral's Java implementation
// does in validation messages (the result goes between the quotes of
// "Value '...'"). Strings are printed raw, without escaping, as the real
// service does (a trailing newline shows up as a line break in the message).

// RenderBlob prints a blob as Java prints the ByteBuffer holding it.
func RenderBlob(b []byte) string {
	n := strconv.Itoa(len(b))
	return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]"
}

// RenderDouble prints f as Java's Double.toString does: "1.0", "0.5",
// "1.0E7", "1.5E-4", "NaN", "Infinity".
func RenderDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1.5E-04, 1E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimLeft(exp, "+-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// RenderList prints n elements Java-style: "[a, b, c]".
func RenderList(n int, elem func(i int) string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(elem(i))
	}
	b.WriteByte(']')
	return b.String()
}

// RenderStrings prints a list of strings (or of an enum type): "[a, b]".
func RenderStrings[S ~string](xs []S) string {
	return RenderList(len(xs), func(i int) string { return string(xs[i]) })
}

// RenderInts prints a list of integers: "[1, 2]".
func RenderInts[T ~int32 | ~int64](xs []T) string {
	return RenderList(len(xs), func(i int) string { return strconv.FormatInt(int64(xs[i]), 10) })
}

// RenderStringMap prints a map of strings as Java's AbstractMap.toString
// does: "{k1=v1, k2=v2}". Keys are sorted so the message is deterministic
// (Java's order would be its hash order).
func RenderStringMap[K ~string, V ~string](m map[K]V) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(k))
		b.WriteByte('=')
		b.WriteString(string(m[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// RenderObject prints a structure inside a list the way Java's default
// Object.toString prints Coral's request objects, which is what the real
// service shows ("com.amazonaws.firehose.v20150804.Record@a0693bc6"). The
// hash is derived from the JSON form of v, so equal elements print alike.
func RenderObject(class string, v any) string {
	h := fnv.New32a()
	if data, err := json.Marshal(v); err == nil {
		h.Write(data)
	}
	return class + "@" + strconv.FormatUint(uint64(h.Sum32()), 16)
}

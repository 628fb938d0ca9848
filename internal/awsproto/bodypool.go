package awsproto

import "sync"

// Request bodies of the data path are large (a PutRecordBatch of 500 × 1 KiB
// records is ~700 KB of JSON) and arrive hundreds of times a second.
// Allocating each one afresh costs a zeroed large allocation and, on
// machines whose memory the host backs lazily, page faults; reusing them
// removes both. Small bodies come from the ordinary allocator.
const (
	minPooledBody = 32 << 10
	maxPooledBody = 8 << 20
)

var bodies = sync.Pool{}

// newBody returns an empty buffer with room for size bytes.
func newBody(size int) []byte {
	if size >= minPooledBody {
		if p, ok := bodies.Get().(*[]byte); ok {
			if cap(*p) >= size {
				return (*p)[:0]
			}
			bodies.Put(p)
		}
	}
	return make([]byte, 0, size)
}

// recycleBody hands a body back once its request is answered. Buffers that
// grew past maxPooledBody are left to the collector, so one huge request
// does not pin its memory.
func recycleBody(b []byte) {
	if cap(b) < minPooledBody || cap(b) > maxPooledBody+1 {
		return
	}
	b = b[:0]
	bodies.Put(&b)
}

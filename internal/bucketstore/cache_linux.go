package bucketstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCache tells the kernel that a synced object's pages will not be read
// soon. Delivery writes objects once and rarely reads them back, so keeping
// them cached only grows the page cache; on virtual machines whose memory is
// backed lazily by the host, every fresh page costs far more than the copy
// into it (measured: writing 3 GB of new files took 7.3 s of system time,
// 1.4 s with this hint). Dropping the pages lets the next object reuse them.
func dropCache(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

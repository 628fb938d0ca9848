//go:build unix

package bucketstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// etagAttr is the extended attribute holding an object's ETag, so listing
// and HEAD need not read the file. Where user attributes are unsupported
// the ETag is computed when asked for.
const etagAttr = "user.sluice.etag"

func setETag(f *os.File, etag string) {
	_ = unix.Fsetxattr(int(f.Fd()), etagAttr, []byte(etag), 0)
}

func getETag(f *os.File) string {
	var buf [64]byte
	n, err := unix.Fgetxattr(int(f.Fd()), etagAttr, buf[:])
	if err != nil || n < 2 {
		return ""
	}
	return string(buf[:n])
}

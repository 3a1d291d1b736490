package blobs

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing n bytes of f at off to
// the disk, without waiting for it. A fetch does this as each chunk is
// written, so that the one sync Finish needs has little left to wait for
// instead of the whole file. It is advice: an error changes nothing, and
// a file closed meanwhile is left alone (SyscallConn holds it open while
// its descriptor is used).
func startWriteback(f *os.File, off, n int64) {
	c, err := f.SyscallConn()
	if err != nil {
		return
	}
	c.Control(func(fd uintptr) {
		unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
	})
}

package store

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDiskFull is returned by Open, Put and Ingest when the disk holding
// the store has less free space than Options.MinFree. Badger writes
// through memory-mapped files: on a full disk a write to one is not an
// error but a SIGBUS that kills the process, at the write or at the next
// open. So the store stops writing while a margin is still free.
var ErrDiskFull = errors.New("not enough free disk space for the store")

// DefaultMinFree is Options.MinFree's default: room for Badger's two
// memtable logs, a memtable flushed to tables and a compaction's output.
const DefaultMinFree = 64 << 20

// checkSpace returns ErrDiskFull, saying how much is free, when the disk
// holding dir has less than min bytes free. Where free space cannot be
// read, it says nothing.
func checkSpace(dir string, min int64) error {
	free, ok := freeSpace(dir)
	if !ok || free >= min {
		return nil
	}
	return fmt.Errorf("%w: %s free on the disk holding %s; Kith stops writing below %s, so that nothing is lost: free some space and try again",
		ErrDiskFull, mib(free), dir, mib(min))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// noRoom reports whether err, from Badger, says a file could not grow: a
// full disk or quota, or the process's file size limit. Badger wraps such
// errors in text, so they are known by their words; they are not damage.
func noRoom(err error) bool {
	for _, s := range []string{"no space left on device", "file too large", "disk quota exceeded"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

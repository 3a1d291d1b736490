//go:build unix

package store

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"
)

// checkUnlocked runs checkFiles while holding a shared lock on dir, the
// directory Badger locks exclusively while it has the store open: tables
// are checked only when no process is writing them (a table being written
// would look damaged), and a running daemon is reported as ErrInUse.
func checkUnlocked(dir string, log *slog.Logger) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if err == syscall.EWOULDBLOCK {
			return ErrInUse
		}
		return fmt.Errorf("lock directory: %w", err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return checkFiles(dir, log)
}

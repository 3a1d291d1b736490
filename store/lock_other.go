//go:build !unix

package store

import "log/slog"

// checkUnlocked runs checkFiles. Without flock it cannot tell whether a
// daemon holds the store; Badger's own lock reports that right after.
func checkUnlocked(dir string, log *slog.Logger) error { return checkFiles(dir, log) }

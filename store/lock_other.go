//go:build !unix

package store

// checkUnlocked runs checkFiles. Without flock it cannot tell whether a
// daemon holds the store; Badger's own lock reports that right after.
func checkUnlocked(dir string) error { return checkFiles(dir) }

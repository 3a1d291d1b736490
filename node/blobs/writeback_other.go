//go:build !linux

package blobs

import "os"

// startWriteback is advice that only Linux takes (sync_file_range);
// elsewhere Finish's sync writes the whole file.
func startWriteback(f *os.File, off, n int64) {}

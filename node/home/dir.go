package home

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultDir returns the home directory to use when none is given: $KITH_HOME
// if set, otherwise the per-user data directory of the OS:
//
//   - Linux and other Unix: $XDG_DATA_HOME/kith, or ~/.local/share/kith
//   - macOS: ~/Library/Application Support/Kith
//   - Windows: %LocalAppData%\Kith
//
// Keys are data, not configuration or cache, hence the data directory.
func DefaultDir() (string, error) {
	return defaultDir(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

// defaultDir is DefaultDir with its environment passed in, for testing.
func defaultDir(goos string, getenv func(string) string, userHome func() (string, error)) (string, error) {
	if dir := getenv("KITH_HOME"); dir != "" {
		return filepath.Clean(dir), nil
	}
	switch goos {
	case "windows":
		if dir := getenv("LocalAppData"); dir != "" {
			return filepath.Join(dir, "Kith"), nil
		}
		return "", errors.New("%LocalAppData% is not set: set KITH_HOME")
	case "darwin", "ios":
		h, err := userHome()
		if err != nil {
			return "", fmt.Errorf("find home directory: %w: set KITH_HOME", err)
		}
		return filepath.Join(h, "Library", "Application Support", "Kith"), nil
	}
	// The XDG spec says to ignore a relative XDG_DATA_HOME.
	if dir := getenv("XDG_DATA_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "kith"), nil
	}
	h, err := userHome()
	if err != nil {
		return "", fmt.Errorf("find home directory: %w: set KITH_HOME", err)
	}
	return filepath.Join(h, ".local", "share", "kith"), nil
}

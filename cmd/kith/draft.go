package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// saveDraft writes the text a failed command read from standard input to
// the home's drafts directory and says where, so that a refusal (a title
// too long, a daemon not running, a network error) never loses what the
// member typed. If even that fails, the text goes to w.
func (c *cli) saveDraft(w io.Writer) {
	path, err := c.writeDraft()
	if err != nil {
		fmt.Fprintf(w, "kith: could not save your text (%v); here it is:\n%s\n", err, c.typed)
		return
	}
	fmt.Fprintf(w, "kith: your text is saved in %s\n", path)
}

func (c *cli) writeDraft() (string, error) {
	h, err := c.home()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(h.Dir, "drafts")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create drafts directory: %w", err)
	}
	f, err := os.CreateTemp(dir, time.Now().UTC().Format("2006-01-02T150405-*.md"))
	if err != nil {
		return "", fmt.Errorf("create draft: %w", err)
	}
	if _, err := io.WriteString(f, c.typed); err != nil {
		f.Close()
		return "", fmt.Errorf("write draft: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write draft: %w", err)
	}
	return f.Name(), nil
}

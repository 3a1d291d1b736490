package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// exportMarkdown writes a community as a tree of Markdown files for
// people and other tools: README.md (what the community is), threads/
// (each thread with its replies) and notes/ (each note's current text),
// each file with YAML front matter. Names are made from titles reduced to
// letters, digits and dashes, plus the id: nothing a member wrote can
// name a path outside dir.
func exportMarkdown(ctx context.Context, cl *client.Client, community protocol.ID, dir string) (threads, notes int, err error) {
	cs, err := cl.Communities(ctx)
	if err != nil {
		return 0, 0, err
	}
	var c *api.Community
	for i := range cs {
		if cs[i].ID == community {
			c = &cs[i]
		}
	}
	if c == nil {
		return 0, 0, fmt.Errorf("this node holds no community %s", community)
	}
	for _, sub := range []string{"threads", "notes"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return 0, 0, fmt.Errorf("export: %w", err)
		}
	}
	var readme strings.Builder
	frontMatter(&readme, "community", c.ID.String(), "name", c.Name, "domain", c.Domain, "records", strconv.FormatUint(c.Records, 10),
		"digest", c.Digest, "exported", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&readme, "# %s\n\n%s\n\n%s\n", c.Name, c.Domain, c.Charter)
	if err := writeFile(dir, "README.md", readme.String()); err != nil {
		return 0, 0, err
	}
	list, err := collect(func(cursor string, limit int) ([]api.Thread, string, error) {
		page, err := cl.Threads(ctx, community, api.ThreadQuery{Cursor: cursor, Limit: limit})
		return page.Items, page.Next, err
	})
	if err != nil {
		return 0, 0, err
	}
	for _, t := range list {
		d, err := cl.Thread(ctx, t.ID)
		if err != nil {
			return threads, notes, err
		}
		if err := writeFile(filepath.Join(dir, "threads"), fileName(time.UnixMilli(t.Created), t.Title, t.ID), threadMarkdown(d)); err != nil {
			return threads, notes, err
		}
		threads++
	}
	noteList, err := collect(func(cursor string, limit int) ([]api.Note, string, error) {
		page, err := cl.Notes(ctx, community, cursor, limit)
		return page.Items, page.Next, err
	})
	if err != nil {
		return threads, notes, err
	}
	for _, n := range noteList {
		d, err := cl.Note(ctx, n.ID)
		if err != nil {
			return threads, notes, err
		}
		if err := writeFile(filepath.Join(dir, "notes"), fileName(time.Time{}, n.Title, n.ID), noteMarkdown(d)); err != nil {
			return threads, notes, err
		}
		notes++
	}
	return threads, notes, nil
}

func threadMarkdown(d api.ThreadDetail) string {
	var b strings.Builder
	accepted := ""
	if d.Accepted != nil {
		accepted = d.Accepted.String()
	}
	frontMatter(&b, "id", d.ID.String(), "type", d.Type, "author", d.Author.String(), "created", ms3339(d.Created),
		"tags", strings.Join(d.Tags, ", "), "accepted", accepted)
	fmt.Fprintf(&b, "# %s\n\n%s\n", oneLine(d.Title), d.Body)
	for _, r := range d.Replies {
		mark := ""
		if d.Accepted != nil && r.ID == *d.Accepted {
			mark = " (accepted answer)"
		}
		fmt.Fprintf(&b, "\n## Reply by %.12s, %s%s\n\n", r.Author, ms3339(r.Created), mark)
		if r.Deleted {
			b.WriteString("_Deleted._\n")
		} else {
			b.WriteString(r.Body + "\n")
		}
	}
	return b.String()
}

func noteMarkdown(d api.NoteDetail) string {
	var b strings.Builder
	head := d.Heads[0] // a live note has one at least
	frontMatter(&b, "id", d.ID.String(), "title", d.Title, "author", d.Author.String(), "created", ms3339(d.Created),
		"updated", ms3339(d.Updated), "revisions", strconv.Itoa(d.Revisions), "tags", strings.Join(head.Tags, ", "),
		"versions", strconv.Itoa(len(d.Heads)))
	fmt.Fprintf(&b, "# %s\n\n%s\n", oneLine(d.Title), head.Body)
	for i, h := range d.Heads[1:] {
		fmt.Fprintf(&b, "\n---\n\n_Version %d of %d, edited apart by %.12s on %s:_\n\n%s\n", i+2, len(d.Heads), h.Author, ms3339(h.Created), h.Body)
	}
	return b.String()
}

// frontMatter writes YAML front matter; values are double-quoted with Go
// escapes, which YAML reads the same.
func frontMatter(b *strings.Builder, kv ...string) {
	b.WriteString("---\n")
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(b, "%s: %s\n", kv[i], strconv.Quote(kv[i+1]))
	}
	b.WriteString("---\n\n")
}

func ms3339(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fileName is a safe file name: the date if any, the title reduced to
// lowercase letters, digits and dashes (at most 60), and the id's start.
func fileName(t time.Time, title string, id protocol.ID) string {
	var slug strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			slug.WriteRune(r)
			dash = false
		case !dash && slug.Len() > 0:
			slug.WriteByte('-')
			dash = true
		}
		if slug.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(slug.String(), "-")
	if name == "" {
		name = "untitled"
	}
	if !t.IsZero() {
		name = t.UTC().Format("2006-01-02") + "-" + name
	}
	return name + "-" + id.String()[:12] + ".md"
}

func writeFile(dir, name, content string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

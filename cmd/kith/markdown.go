package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
// each file with YAML front matter, and only what members are shown:
// nothing deleted or hidden. dir must be new, empty, or an earlier export
// of the same community, which is then brought up to date (exportMarker).
func exportMarkdown(ctx context.Context, cl *client.Client, community protocol.ID, dir string) (threads, notes int, err error) {
	ours, err := earlierExport(dir, community)
	if err != nil {
		return 0, 0, err
	}
	files, err := exportFiles(ctx, cl, community)
	if err != nil {
		return 0, 0, err
	}
	// Every name is checked before anything is written, so that a file
	// the export did not write stops it before it changes anything.
	names := map[string]bool{}
	for _, f := range files {
		names[f.name] = true
	}
	if err := mayWrite(dir, names, ours); err != nil {
		return 0, 0, err
	}
	// Claimed before written: an interrupted export leaves every file it
	// may have written listed, for the next one to refresh or remove.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, fmt.Errorf("export: %w", err)
	}
	if err := writeMarker(dir, community, ours, names); err != nil {
		return 0, 0, err
	}
	for _, sub := range []string{"threads", "notes"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return 0, 0, fmt.Errorf("export: %w", err)
		}
	}
	written := map[string]bool{}
	for _, f := range files {
		text, err := f.render()
		if client.NotFound(err) {
			continue // deleted or hidden since it was listed
		}
		if err == nil {
			err = writeFile(dir, f.name, text)
		}
		if err != nil {
			return threads, notes, err
		}
		written[f.name] = true
		switch {
		case strings.HasPrefix(f.name, "threads/"):
			threads++
		case strings.HasPrefix(f.name, "notes/"):
			notes++
		}
	}
	// What an earlier export wrote and this one did not: threads and
	// notes deleted, hidden or renamed since.
	for name := range ours {
		if !written[name] && name != "README.md" {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return threads, notes, fmt.Errorf("export: %w", err)
			}
		}
	}
	return threads, notes, writeMarker(dir, community, written, nil)
}

// exportFile is one file of a Markdown export, by its name in the
// directory (with slashes); render fetches and writes its text.
type exportFile struct {
	name   string
	render func() (string, error)
	title  string // of the thread or note, for README.md's index
}

// exportFiles lists a community's files, README.md first. The threads and
// notes are those the daemon lists, which are those members are shown.
// Names are made from titles reduced to letters, digits and dashes, plus
// the id: nothing a member wrote can name a path outside the directory.
func exportFiles(ctx context.Context, cl *client.Client, community protocol.ID) ([]exportFile, error) {
	cs, err := cl.Communities(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cs, func(c api.Community) bool { return c.ID == community })
	if i < 0 {
		return nil, fmt.Errorf("this node holds no community %s", community)
	}
	c := cs[i]
	names := authorNames(ctx, cl, community)
	// README.md, written first, lists the others (added once they are).
	files := []exportFile{{"README.md", nil, ""}}
	threads, err := collect(func(cursor string, limit int) ([]api.Thread, string, error) {
		page, err := cl.Threads(ctx, community, api.ThreadQuery{Cursor: cursor, Limit: limit})
		return page.Items, page.Next, err
	})
	if err != nil {
		return nil, err
	}
	for _, t := range threads {
		files = append(files, exportFile{"threads/" + fileName(time.UnixMilli(t.Created), t.Title, t.ID), func() (string, error) {
			d, err := cl.Thread(ctx, t.ID)
			if err != nil {
				return "", err
			}
			return threadMarkdown(d, names), nil
		}, t.Title})
	}
	notes, err := collect(func(cursor string, limit int) ([]api.Note, string, error) {
		page, err := cl.Notes(ctx, community, cursor, limit)
		return page.Items, page.Next, err
	})
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		files = append(files, exportFile{"notes/" + fileName(time.Time{}, n.Title, n.ID), func() (string, error) {
			d, err := cl.Note(ctx, n.ID)
			if err != nil {
				return "", err
			}
			return noteMarkdown(d, names), nil
		}, n.Title})
	}
	files[0].render = func() (string, error) {
		var b strings.Builder
		frontMatter(&b, "community", c.ID.String(), "name", c.Name, "domain", c.Domain, "records", strconv.FormatUint(c.Records, 10),
			"digest", c.Digest, "exported", time.Now().UTC().Format(time.RFC3339))
		fmt.Fprintf(&b, "# %s\n\n%s\n\n%s\n", c.Name, c.Domain, c.Charter)
		// An index of the files below, as their pages list them.
		for _, part := range []struct{ heading, dir string }{{"Threads", "threads/"}, {"Notes", "notes/"}} {
			heading := "\n## " + part.heading + "\n\n"
			for _, f := range files {
				if strings.HasPrefix(f.name, part.dir) {
					fmt.Fprintf(&b, "%s- [%s](<%s>)\n", heading, linkText(f.title), f.name)
					heading = ""
				}
			}
		}
		return b.String(), nil
	}
	return files, nil
}

// linkText is a title as a Markdown link's text: one line, its brackets
// escaped (a title is the member's, and "]" would end the link).
func linkText(title string) string {
	if title = oneLine(title); title == "" {
		title = "(untitled)"
	}
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(title)
}

// exportMarker is the file a Markdown export leaves in its directory:
// markerHead, the community, then each file the export wrote (a path
// with slashes, relative to the directory). Only with it does an export
// write into a directory that is not empty, and then it overwrites or
// removes only the files it lists: whatever else is there is the user's.
const (
	exportMarker = ".kith-export"
	markerHead   = "# Written by `kith export --markdown`, which may overwrite or remove the files listed here."
)

// exportedName matches the names an export writes (fileName), so that a
// marker edited by hand cannot make one remove a file elsewhere.
var exportedName = regexp.MustCompile(`^(README\.md|(threads|notes)/[\p{L}\p{N}\p{Mn}-]+\.md)$`)

// earlierExport returns the files an earlier export to dir wrote, none if
// dir is new or empty, or why the export must not write into dir.
func earlierExport(dir string, community protocol.ID) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, exportMarker))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not empty and holds no earlier Markdown export (no %s file): "+
			"name a new or empty directory; an export never overwrites files it did not write", dir, exportMarker)
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) < 2 || lines[0] != markerHead || !strings.HasPrefix(lines[1], "community ") {
		return nil, fmt.Errorf("%s: not what a Markdown export writes: name a new or empty directory", filepath.Join(dir, exportMarker))
	}
	if got := strings.TrimPrefix(lines[1], "community "); got != community.String() {
		return nil, fmt.Errorf("%s holds a Markdown export of another community (%s): name a new or empty directory", dir, got)
	}
	ours := make(map[string]bool, len(lines)-2)
	for _, name := range lines[2:] {
		if !exportedName.MatchString(name) {
			return nil, fmt.Errorf("%s: %q is no file a Markdown export writes: name a new or empty directory", filepath.Join(dir, exportMarker), name)
		}
		ours[name] = true
	}
	return ours, nil
}

// mayWrite refuses to write names into dir if one is there and not
// listed in ours, or is no longer a plain file (a link written over would
// write elsewhere), or if threads/ or notes/ is not a plain directory.
func mayWrite(dir string, names, ours map[string]bool) error {
	for _, sub := range []string{"threads", "notes"} {
		if info, err := os.Lstat(filepath.Join(dir, sub)); err == nil && !info.IsDir() {
			return fmt.Errorf("%s is not a directory an export made: move it away or name a new or empty directory", filepath.Join(dir, sub))
		}
	}
	for name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if !ours[name] || !info.Mode().IsRegular() {
			return fmt.Errorf("%s was not written by an earlier export, and the export would overwrite it: "+
				"move it away or name a new or empty directory", p)
		}
	}
	return nil
}

// writeMarker lists the files of both sets in dir's marker, replacing the
// old one whole, so that an interrupted write leaves the old one.
func writeMarker(dir string, community protocol.ID, a, b map[string]bool) error {
	all := map[string]bool{}
	maps.Copy(all, a)
	maps.Copy(all, b)
	names := slices.Sorted(maps.Keys(all))
	content := markerHead + "\ncommunity " + community.String() + "\n" + strings.Join(append(names, ""), "\n")
	tmp, err := os.CreateTemp(dir, exportMarker+"-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a rename, nothing
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, exportMarker))
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func threadMarkdown(d api.ThreadDetail, names map[protocol.PublicKey]string) string {
	var b strings.Builder
	accepted := ""
	if d.Accepted != nil {
		accepted = d.Accepted.String()
	}
	frontMatter(&b, "id", d.ID.String(), "type", d.Type, "author", d.Author.String(), "author_name", names[d.Author], "created", ms3339(d.Created),
		"tags", d.Tags, "accepted", accepted)
	fmt.Fprintf(&b, "# %s\n\n%s\n", oneLine(d.Title), d.Body)
	filesMarkdown(&b, d.Files)
	for _, r := range d.Replies {
		mark := ""
		if d.Accepted != nil && r.ID == *d.Accepted {
			mark = " (accepted answer)"
		}
		fmt.Fprintf(&b, "\n## Reply by %s, %s%s\n\n", oneLine(who(names, r.Author)), ms3339(r.Created), mark)
		if r.Deleted {
			b.WriteString("_Deleted._\n")
		} else {
			b.WriteString(r.Body + "\n")
			filesMarkdown(&b, r.Files)
		}
	}
	return b.String()
}

// filesMarkdown lists attachments: the export holds text, not the files'
// bytes, so each is named with what fetches it.
func filesMarkdown(b *strings.Builder, files []api.File) {
	if len(files) == 0 {
		return
	}
	b.WriteString("\nAttachments:\n\n")
	for _, f := range files {
		fmt.Fprintf(b, "- %s (%s): `kith attachment get %s -o DIR`\n", oneLine(f.Name), api.ByteSize(f.Size), f.Hash)
	}
}

func noteMarkdown(d api.NoteDetail, names map[protocol.PublicKey]string) string {
	var b strings.Builder
	head := d.Heads[0] // a live note has one at least
	frontMatter(&b, "id", d.ID.String(), "title", d.Title, "author", d.Author.String(), "author_name", names[d.Author], "created", ms3339(d.Created),
		"updated", ms3339(d.Updated), "revisions", strconv.Itoa(d.Revisions), "tags", head.Tags,
		"versions", strconv.Itoa(len(d.Heads)))
	fmt.Fprintf(&b, "# %s\n\n%s\n", oneLine(d.Title), head.Body)
	filesMarkdown(&b, head.Files)
	for i, h := range d.Heads[1:] {
		fmt.Fprintf(&b, "\n---\n\n_Version %d of %d, edited apart by %s on %s:_\n\n%s\n", i+2, len(d.Heads), oneLine(who(names, h.Author)), ms3339(h.Created), h.Body)
		filesMarkdown(&b, h.Files)
	}
	return b.String()
}

// frontMatter writes YAML front matter; values are double-quoted with Go
// escapes, which YAML reads the same.
func frontMatter(b *strings.Builder, kv ...any) {
	b.WriteString("---\n")
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(b, "%s: %s\n", kv[i], yamlValue(kv[i+1]))
	}
	b.WriteString("---\n\n")
}

// yamlValue writes a string quoted and a list of strings as a flow
// sequence of quoted strings (tags: ["soil", "ph"]), so that tools
// reading the front matter get a list, not one string of commas.
func yamlValue(v any) string {
	switch v := v.(type) {
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	default:
		return strconv.Quote(fmt.Sprint(v))
	}
}

func ms3339(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fileName is a safe file name: the date if any, the title reduced to
// lowercase letters (of any script), digits and dashes (at most 60), and
// the id's start.
func fileName(t time.Time, title string, id protocol.ID) string {
	var slug strings.Builder
	dash, letters := false, 0
	for _, r := range strings.ToLower(title) {
		if letters >= 60 {
			break
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			// Any script's letters (and accents written apart), so that
			// "Ünïcödé" and "日本語" name their files too; a file name is
			// UTF-8 on every system Kith runs on.
			slug.WriteRune(r)
			dash = false
			letters++
		case !dash && slug.Len() > 0:
			slug.WriteByte('-')
			dash = true
			letters++
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

// writeFile writes name, a path with slashes, in dir.
func writeFile(dir, name, content string) error {
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

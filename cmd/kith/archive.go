package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// exportCmd is `kith export ID -o FILE`: a community's records in one
// file, signatures intact (protocol.ArchiveWriter describes the format).
func (c *cli) exportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "export COMMUNITY_ID (-o FILE [--force] | --markdown DIR)",
		Short: "Write a community to an archive anyone can verify and import, or to Markdown files for people",
		Args:  exactArgs(1)}
	out := cmd.Flags().StringP("output", "o", "", "the archive to write")
	force := cmd.Flags().Bool("force", false, "with -o, replace a file already there")
	md := cmd.Flags().String("markdown", "", "write a readable tree instead: README.md, threads/ and notes/ as Markdown with front matter, into a new or empty directory or an earlier Markdown export of the community")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		switch {
		case *out == "" && *md == "":
			return fmt.Errorf("say where: -o FILE for an archive, or --markdown DIR for Markdown files")
		case *out != "" && *md != "":
			return fmt.Errorf("one or the other: -o FILE for an archive, or --markdown DIR for Markdown files, not both")
		case *md != "":
			threads, notes, err := exportMarkdown(ctx, cl, ids[0], *md)
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(cmd.OutOrStdout(), markdownJSON{Dir: *md, Community: ids[0], Threads: threads, Notes: notes})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s and %s as Markdown\n", *md, count(threads, "thread"), count(notes, "note"))
			return nil
		}
		if *out == "-" {
			return exportToStdout(ctx, cl, cmd, ids[0], *asJSON)
		}
		if err := dirExists(*out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if st, err := os.Lstat(*out); err == nil && (!*force || !st.Mode().IsRegular()) {
			if !st.Mode().IsRegular() {
				return fmt.Errorf("export: %s exists and is not a file", *out)
			}
			return archiveExists(*out)
		}
		// Written beside the target and renamed once complete: an
		// interrupted export leaves no half archive under its name.
		tmp, err := os.CreateTemp(filepath.Dir(*out), ".kith-export-*")
		if err != nil {
			return fmt.Errorf("export to %s: %w", *out, err)
		}
		defer os.Remove(tmp.Name())
		line := newProgressLine(cmd.ErrOrStderr())
		receiving := newMeter(line, func(n uint64) string { return "exporting: received " + api.ByteSize(n) })
		receiving.W = tmp
		err = cl.Export(ctx, ids[0], receiving)
		receiving.end(false)
		if err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		tmp.Close()
		h, n, err := checkArchive(ctx, *out+" (just written)", tmp.Name(), func(n, total uint64) {
			line.show(fmt.Sprintf("checking the archive written: %d of %d records", n, total))
		})
		line.end(false)
		if err != nil {
			return fmt.Errorf("the daemon's archive does not read back: %w", err)
		}
		if err := placeArchive(tmp.Name(), *out, *force); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), exportJSON{File: *out, Community: h.Community, Records: n, Digest: h.Digest})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: %d records of community %s, digest %s\n", *out, n, h.Community, h.Digest)
		return nil
	})
	return cmd
}

// exportToStdout is `kith export ID -o -`: the archive on standard
// output, for a pipe (to `kith import -` on another machine, say).
func exportToStdout(ctx context.Context, cl *client.Client, cmd *cobra.Command, id protocol.ID, asJSON bool) error {
	if asJSON {
		return errors.New("-o - writes the archive to standard output, where --json would write too: give one or the other")
	}
	if f, ok := cmd.OutOrStdout().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return errors.New("-o - writes the archive, which is binary, to standard output: redirect it (kith export ID -o - > FILE) or pipe it (… | kith import -)")
	}
	line := newProgressLine(cmd.ErrOrStderr())
	sending := newMeter(line, func(n uint64) string { return "exporting: written " + api.ByteSize(n) })
	sending.W = cmd.OutOrStdout()
	err := cl.Export(ctx, id, sending)
	sending.end(false)
	if err != nil {
		return fmt.Errorf("export: %w (what was written to standard output is not a whole archive)", err)
	}
	return nil
}

// exportJSON is what `kith export -o FILE --json` prints.
type exportJSON struct {
	File      string      `json:"file"`
	Community protocol.ID `json:"community"`
	Records   uint64      `json:"records"`
	Digest    string      `json:"digest"`
}

// markdownJSON is what `kith export --markdown DIR --json` prints.
type markdownJSON struct {
	Dir       string      `json:"dir"`
	Community protocol.ID `json:"community"`
	Threads   int         `json:"threads"`
	Notes     int         `json:"notes"`
}

// importJSON is what `kith import --json` prints: the archive as checked
// here, and, unless --check, what the daemon made of it.
type importJSON struct {
	File      string            `json:"file"`
	Community protocol.ID       `json:"community"`
	Records   uint64            `json:"records"` // checked here
	Digest    string            `json:"digest"`  // announced by the archive, and matched by its records
	Imported  *api.ImportResult `json:"imported,omitempty"`
}

// importCmd is `kith import FILE`: verify an archive here, offline, then
// have the daemon store its records.
func (c *cli) importCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import FILE", Short: "Verify an archive offline and import its records into the running daemon",
		Args: exactArgs(1)}
	check := cmd.Flags().Bool("check", false, "only verify the archive (no daemon needed)")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		name, path, again := args[0], args[0], "`kith import "+args[0]+"` again"
		ctx := cmd.Context()
		if args[0] == "-" {
			// Ctrl-C stops the reading and the check rather than the
			// process, so that the copy of the archive is removed.
			var stop context.CancelFunc
			ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Read whole first: the archive is checked before the daemon
			// gets any of it, which takes two reads.
			tmp, err := archiveFromStdin(ctx, cmd)
			if tmp != "" {
				defer os.Remove(tmp)
			}
			if err != nil {
				return err
			}
			name, path, again = "standard input", tmp, "the same import again"
		}
		progress := newProgressLine(cmd.ErrOrStderr())
		h, n, err := checkArchive(ctx, name, path, func(n, total uint64) {
			progress.show(fmt.Sprintf("verified %d of %d records", n, total))
		})
		progress.end(err == nil)
		if err != nil {
			return err
		}
		checked := importJSON{File: args[0], Community: h.Community, Records: n, Digest: h.Digest}
		if !*asJSON {
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d records of community %s, every signature and rule checked; digest %s as announced\n",
				name, n, h.Community, h.Digest)
		}
		if *check {
			if *asJSON {
				return printJSON(cmd.OutOrStdout(), checked)
			}
			return nil
		}
		return c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			// The daemon validates and stores the records as they come:
			// what was sent is how far the import is.
			size := uint64(st.Size())
			sending := newMeter(newProgressLine(cmd.ErrOrStderr()), func(n uint64) string {
				if n >= size {
					return "sent the archive; the daemon stores its last records"
				}
				return fmt.Sprintf("importing: sent %s of %s (%d%%)", api.ByteSize(n), api.ByteSize(size), n*100/max(size, 1))
			})
			sending.R = f
			res, err := cl.Import(ctx, sending)
			sending.end(false)
			if err != nil && interrupted(ctx) {
				return fmt.Errorf("the import stopped, and the daemon keeps the records it stored (each valid and signed); "+
					"%s finishes it: %w", again, err)
			}
			if err != nil {
				return err
			}
			if *asJSON {
				checked.Imported = &res
				return printJSON(cmd.OutOrStdout(), checked)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d records (%d new); the node holds %d, digest %s: %s\n",
				res.Records, res.Added, res.Held, res.Digest, digestSame(res))
			if res.Refused > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s by authors not admitted refused: the community holds as many such records as it keeps (they come again by sync once their authors are admitted)\n",
					count(res.Refused, "record"))
			}
			return nil
		})(cmd, args)
	}
	return cmd
}

// archiveFromStdin copies standard input to a temporary file, for `kith
// import -`, and returns its name ("" if none was made).
func archiveFromStdin(ctx context.Context, cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "", errors.New("import -: standard input is a terminal: pipe an archive in (kith export ID -o - | kith import -) or give its file")
	}
	tmp, err := os.CreateTemp("", "kith-import-*")
	if err != nil {
		return "", fmt.Errorf("import -: %w", err)
	}
	defer tmp.Close()
	reading := newMeter(newProgressLine(cmd.ErrOrStderr()), func(n uint64) string { return "reading the archive from standard input: " + api.ByteSize(n) })
	reading.W = tmp
	_, err = io.Copy(reading, in)
	reading.end(false)
	if err != nil {
		return tmp.Name(), fmt.Errorf("import -: read standard input: %w", err)
	}
	if ctx.Err() != nil { // the writer saw the Ctrl-C too, and stopped
		return tmp.Name(), fmt.Errorf("import -: %w: nothing was imported", errInterrupted)
	}
	return tmp.Name(), tmp.Close()
}

// checkArchive reads an archive and validates every record as a node
// would, and the records as a set against the header (protocol.ArchiveCheck),
// reporting progress; it names the first record that fails, and stops
// when ctx ends.
func checkArchive(ctx context.Context, name, path string, progress func(n, total uint64)) (protocol.ArchiveHeader, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return protocol.ArchiveHeader{}, 0, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return protocol.ArchiveHeader{}, 0, fmt.Errorf("%s is a directory: give the archive file (`kith export ID -o FILE` writes one; a Markdown export is not one)", name)
	}
	ar, err := protocol.NewArchiveReader(f)
	if err != nil {
		return protocol.ArchiveHeader{}, 0, fmt.Errorf("%s: %w", name, err)
	}
	now := time.Now()
	set := protocol.NewArchiveCheck(ar.Header)
	for {
		b, err := ar.Next()
		if errors.Is(err, io.EOF) {
			if err := set.Close(); err != nil {
				return ar.Header, ar.Read(), fmt.Errorf("%s: %w", name, err)
			}
			return ar.Header, ar.Read(), nil
		}
		if err != nil {
			return ar.Header, ar.Read(), fmt.Errorf("%s: %w", name, err)
		}
		r, err := protocol.Validate(b, now)
		if err != nil {
			return ar.Header, ar.Read(), fmt.Errorf("%s: record %d is refused: %w", name, ar.Read(), err)
		}
		if err := set.Add(r); err != nil {
			return ar.Header, ar.Read(), fmt.Errorf("%s: %w", name, err)
		}
		if ar.Read()%1000 == 0 && ctx.Err() != nil {
			return ar.Header, ar.Read(), fmt.Errorf("%s: check stopped at record %d: %w", name, ar.Read(), ctx.Err())
		}
		if progress != nil && (ar.Read()%5000 == 0 || ar.Read() == ar.Header.Records) {
			progress(ar.Read(), ar.Header.Records)
		}
	}
}

// placeArchive puts the finished archive at out. With force, rename
// replaces what is there; without, a hard link fails if a file appeared
// at out since it was checked. Where links are not supported, the check
// is made again just before the rename.
func placeArchive(tmp, out string, force bool) error {
	if !force {
		err := os.Link(tmp, out)
		if err == nil {
			return nil
		}
		if _, serr := os.Lstat(out); errors.Is(err, fs.ErrExist) || serr == nil {
			return archiveExists(out)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// archiveExists refuses to export over a file already at out.
func archiveExists(out string) error {
	return fmt.Errorf("export: %s exists: choose another name, or --force to replace it", out)
}

// digestSame says how the community held after an import compares with
// the exporter's: the same, or held with more records (this node had
// others, or received or wrote some during the import: its member's
// profile, say) or fewer (some were not accepted here).
func digestSame(res api.ImportResult) string {
	switch {
	case res.Digest == res.AnnouncedDigest:
		return "the same as the exporter's"
	case res.Held > res.Announced:
		return fmt.Sprintf("not the exporter's %s: this node holds %s more than the archive announced (records it had, or received or wrote during the import)",
			res.AnnouncedDigest, count(res.Held-res.Announced, "record"))
	case res.Held < res.Announced:
		return fmt.Sprintf("not the exporter's %s: this node holds %s fewer than the archive announced (records not accepted here: authors not admitted, or refused; the daemon's log says why)",
			res.AnnouncedDigest, count(res.Announced-res.Held, "record"))
	}
	return fmt.Sprintf("not the exporter's %s: as many records, not the same ones (records this node had or received, in place of some not accepted here)", res.AnnouncedDigest)
}

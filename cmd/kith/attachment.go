package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// Attachments: --attach on the commands that make records, and
// `kith attachment list|get`.

// addAttachFlag adds a repeatable --attach FILE flag.
func addAttachFlag(cmd *cobra.Command) *[]string {
	return cmd.Flags().StringArray("attach", nil, "attach a `file` (repeatable; members' nodes fetch it from yours)")
}

// addRemoveFileFlag adds --remove-file to an edit command: attachments
// its new version no longer has.
func addRemoveFileFlag(cmd *cobra.Command) *[]string {
	return cmd.Flags().StringArray("remove-file", nil, "no longer attach the file of this `hash` (or its first digits; repeatable: show lists them)")
}

// resolveFiles resolves the hashes --remove-file gave.
func resolveFiles(ctx context.Context, cl *client.Client, args []string) ([]protocol.ID, error) {
	var out []protocol.ID
	for _, arg := range args {
		h, err := resolveFile(ctx, cl, arg)
		if err != nil {
			return nil, fmt.Errorf("--remove-file: %w", err)
		}
		out = append(out, h)
	}
	return out, nil
}

// uploadAll sends each file to the daemon and returns what a record names.
func uploadAll(ctx context.Context, cl *client.Client, paths []string) ([]api.File, error) {
	var out []api.File
	for _, p := range paths {
		f, err := upload(ctx, cl, p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func upload(ctx context.Context, cl *client.Client, path string) (api.File, error) {
	name := filepath.Base(path)
	if reason := protocol.CheckFileName(name); reason != "" {
		// Quoted: a name refused for a control or bidirectional character
		// would otherwise garble the very line that says so.
		return api.File{}, fmt.Errorf("attach %q: %s; rename the file", path, reason)
	}
	f, err := os.Open(path)
	if err != nil {
		return api.File{}, fmt.Errorf("attach: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return api.File{}, fmt.Errorf("attach: %w", err)
	} else if !fi.Mode().IsRegular() {
		return api.File{}, fmt.Errorf("attach %s: not a file (%s)", path, modeName(fi.Mode()))
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return api.File{}, fmt.Errorf("attach %s: %w", path, err)
	}
	file, err := cl.UploadFile(ctx, f, name, mediaTypeOf(name, head[:n]))
	if err != nil {
		return api.File{}, fmt.Errorf("attach %s: %w", path, err)
	}
	return file, nil
}

// mediaTypeOf guesses a file's media type from its name, else from its
// first bytes; the daemon puts it in the form records carry.
func mediaTypeOf(name string, head []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	return http.DetectContentType(head)
}

func (c *cli) attachmentCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "attachment", Short: "List and fetch the files attached to posts, replies, notes and events"}
	cmd.AddCommand(c.attachmentListCmd(), c.attachmentGetCmd())
	return cmd
}

func (c *cli) attachmentListCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "list COMMUNITY_ID", Short: "List a community's files, and whether each is on this node", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveCommunity(ctx, cl, args[0])
		if err != nil {
			return err
		}
		all := []api.FileEntry{}
		for cursor := ""; ; {
			page, err := cl.Files(ctx, id, cursor, 500)
			if err != nil {
				return err
			}
			all = append(all, page.Files...)
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, all)
		}
		if len(all) == 0 {
			fmt.Fprintln(out, "No files in this community.")
			return nil
		}
		tw := newTable(out)
		fmt.Fprintln(tw, "HASH\tSIZE\tHERE\tNAME\tIN")
		for _, f := range all {
			here := "no"
			if f.Here {
				here = "yes"
			} else if f.Received > 0 {
				here = fmt.Sprintf("%d%%", f.Received*100/max(f.Size, 1))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %.12s\n", short(f.Hash), api.ByteSize(f.Size), here, f.Name, f.Kind, f.Record)
		}
		return tw.Flush()
	})
	return cmd
}

func (c *cli) attachmentGetCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "get HASH -o FILE|DIR", Short: "Fetch a file from members' nodes if need be, and save it",
		Long: "Fetch a file from members' nodes if need be, and save it as FILE (replacing it), or into DIR, an existing\n" +
			"directory, under the name it was attached with: there a file of that name is not replaced unless --force.",
		Args: exactArgs(1)}
	outPath := cmd.Flags().StringP("output", "o", "", "the `file` to save it as, or the directory to save it into (required; - for standard output)")
	force := cmd.Flags().Bool("force", false, "with -o DIR, replace a file of the same name there")
	cmd.MarkFlagRequired("output")
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remoteLong(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		h, err := resolveFile(ctx, cl, args[0])
		if err != nil {
			return fmt.Errorf("file hash: %w", err)
		}
		if *asJSON && *outPath == "-" {
			return errors.New("-o - writes the file to standard output, where --json would write too: give one or the other")
		}
		target, intoDir := *outPath, false
		if target != "-" {
			if fi, err := os.Stat(target); err == nil && fi.IsDir() {
				// Known before the fetch, so that a refusal costs no
				// download.
				if target, err = savePathInDir(ctx, cl, h, target, *force); err != nil {
					return err
				}
				intoDir = true
			} else if strings.HasSuffix(target, "/") || strings.HasSuffix(target, string(filepath.Separator)) {
				return fmt.Errorf("save: %s is not a directory here: create it first, or name a file with -o", target)
			} else if err := dirExists(target); err != nil {
				return fmt.Errorf("save: %w", err)
			}
		}
		progress := newProgressLine(cmd.ErrOrStderr())
		start, last := time.Now(), time.Time{}
		err = cl.FetchFile(ctx, h, func(p api.FileProgress) {
			if time.Since(last) > time.Second || p.Done {
				last = time.Now()
				progress.show(fmt.Sprintf("fetching: %s of %s", api.ByteSize(p.Received), api.ByteSize(p.Size)))
			}
		})
		progress.end(true)
		if err != nil {
			return err
		}
		var w io.Writer = cmd.OutOrStdout()
		var tmp *os.File
		if target != "-" {
			// A partial download never takes the name of the file.
			if tmp, err = os.CreateTemp(filepath.Dir(target), ".kith-download-*"); err != nil {
				return fmt.Errorf("save %s: %w", target, err)
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			w = tmp
		}
		n, err := cl.DownloadFile(ctx, h, w)
		if err != nil {
			return err
		}
		if tmp != nil {
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("save: %w", err)
			}
			if intoDir && !*force {
				// Again: one may have come during the download.
				if err := checkFree(target); err != nil {
					return err
				}
			}
			if err := os.Rename(tmp.Name(), target); err != nil {
				return fmt.Errorf("save: %w", err)
			}
			if *asJSON {
				return printJSON(cmd.OutOrStdout(), savedJSON{File: target, Hash: h, Bytes: n})
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "saved %s (%s) in %v\n", target, api.ByteSize(uint64(n)), time.Since(start).Round(time.Millisecond))
		}
		return nil
	})
	return cmd
}

// savedJSON is what `kith attachment get --json` prints.
type savedJSON struct {
	File  string      `json:"file"`
	Hash  protocol.ID `json:"hash"`
	Bytes int64       `json:"bytes"`
}

// savePathInDir returns where file h goes in directory dir: under the name
// it was attached with, which must not be that of something there already
// unless force (and then a file: a directory is never replaced).
func savePathInDir(ctx context.Context, cl *client.Client, h protocol.ID, dir string, force bool) (string, error) {
	matches, err := cl.Resolve(ctx, h.String())
	if err != nil {
		return "", fmt.Errorf("the file's name: %w", err)
	}
	var name string
	for _, m := range matches {
		if m.What == "file" && m.ID == h {
			name = m.Title
		}
	}
	if name == "" {
		return "", fmt.Errorf("no record in your communities names file %s", h)
	}
	target, err := savePathIn(dir, name)
	if err != nil {
		return "", err
	}
	if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
		return "", fmt.Errorf("save: %s is a directory: give a file name with -o", target)
	}
	if !force {
		if err := checkFree(target); err != nil {
			return "", err
		}
	}
	return target, nil
}

// savePathIn joins a file's attached name to dir, refusing a name that is
// not one plain path element: the name comes from the record's author,
// and a file saved under it must land in dir and nowhere else. Valid
// records hold no other names (protocol.CheckFileName), but the CLI does
// not take the daemon's word for it. A hidden name (".bashrc") is refused
// too: saved into a home directory, a file of someone else's naming could
// be run by the next shell, and unseen by ls.
func savePathIn(dir, name string) (string, error) {
	reason := protocol.CheckFileName(name)
	switch {
	case reason == "" && (!filepath.IsLocal(name) || filepath.Base(name) != name):
		reason = "it is not a plain file name here"
	case reason == "" && strings.HasPrefix(name, "."):
		reason = "it names a hidden file"
	}
	if reason != "" {
		return "", fmt.Errorf("save: the attached name %q cannot be used (%s): give a file name with -o", name, reason)
	}
	return filepath.Join(dir, name), nil
}

// checkFree refuses a path something is at already.
func checkFree(target string) error {
	if _, err := os.Lstat(target); err == nil {
		return fmt.Errorf("save: %s exists: give --force to replace it, or a file name with -o", target)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("save: %w", err)
	}
	return nil
}

// printFiles lists a record's attachments under it, with what to run to
// get each. The command saves into the current directory under the
// attached name, which `attachment get` checks; it never holds the name
// itself: its author chose it, and a name quoted for a shell can still
// run commands ("$(...)" inside double quotes) when pasted.
func printFiles(out io.Writer, files []api.File) {
	for _, f := range files {
		fmt.Fprintf(out, "📎 %s (%s, %s): kith attachment get %s -o .\n", f.Name, f.Type, api.ByteSize(f.Size), f.Hash)
	}
}

// modeName says what kind of thing a path is that is not a regular file.
func modeName(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// dirExists checks, before any long work, that the directory a file is to
// be written into is there.
func dirExists(file string) error {
	dir := filepath.Dir(file)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist: create it first", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

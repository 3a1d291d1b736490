package main

import (
	"context"
	"fmt"
	"io"
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
		return api.File{}, fmt.Errorf("attach %s: %s; rename the file", path, reason)
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
		id, err := resolveID(ctx, cl, args[0])
		if err != nil {
			return err
		}
		var all []api.FileEntry
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
	cmd := &cobra.Command{Use: "get HASH -o FILE", Short: "Fetch a file from members' nodes if need be, and save it", Args: exactArgs(1)}
	outPath := cmd.Flags().StringP("output", "o", "", "where to save it (required; - for standard output)")
	cmd.MarkFlagRequired("output")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cl, err := c.client()
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		h, err := resolveFile(ctx, cl, args[0])
		if err != nil {
			return fmt.Errorf("file hash: %w", err)
		}
		errOut := cmd.ErrOrStderr()
		start, last := time.Now(), time.Time{}
		err = cl.FetchFile(ctx, h, func(p api.FileProgress) {
			if time.Since(last) > time.Second || p.Done {
				last = time.Now()
				fmt.Fprintf(errOut, "\rfetching: %s of %s", api.ByteSize(p.Received), api.ByteSize(p.Size))
			}
		})
		if !last.IsZero() {
			fmt.Fprintln(errOut)
		}
		if err != nil {
			return err
		}
		var w io.Writer = cmd.OutOrStdout()
		var tmp *os.File
		if *outPath != "-" {
			// A partial download never takes the name of the file.
			if tmp, err = os.CreateTemp(filepath.Dir(*outPath), ".kith-download-*"); err != nil {
				return fmt.Errorf("save: %w", err)
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
			if err := os.Rename(tmp.Name(), *outPath); err != nil {
				return fmt.Errorf("save: %w", err)
			}
			fmt.Fprintf(errOut, "saved %s (%s) in %v\n", *outPath, api.ByteSize(uint64(n)), time.Since(start).Round(time.Millisecond))
		}
		return nil
	}
	return cmd
}

// printFiles lists a record's attachments under it, with what to run to
// get each.
func printFiles(out io.Writer, files []api.File) {
	for _, f := range files {
		fmt.Fprintf(out, "📎 %s (%s, %s): kith attachment get %s -o %q\n", f.Name, f.Type, api.ByteSize(f.Size), f.Hash, f.Name)
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/demo"
	"github.com/kith-network/kith/protocol"
)

// demoCmd is `kith demo`: three nodes in this process, on 127.0.0.1 only,
// with a sample community, until Ctrl-C.
func (c *cli) demoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a sample network of three nodes on this machine until Ctrl-C",
		Long: "demo starts three Kith nodes in one process, on 127.0.0.1 only, writes a sample\n" +
			"community of practice (members, answered questions, notes with history, an\n" +
			"event) through them, and prints each node's UI login link. Replication between\n" +
			"them is live. Ctrl-C stops them and deletes their data, unless --keep names a\n" +
			"directory to keep it in. It never touches your own node's home directory.",
		Args: noArgs,
	}
	keep := cmd.Flags().String("keep", "", "keep the nodes' home directories in `DIR` (new or empty) instead of deleting them on exit")
	logLevel := cmd.Flags().String("log-level", "warn", "log `level` on stderr: debug, info, warn, error")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var level slog.Level
		if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
			return fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
		}
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
		dir, err := demoDir(*keep)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		out := cmd.OutOrStdout()
		err = runDemo(ctx, out, dir, *keep != "", log)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			err = nil // Ctrl-C while starting: stopped as asked
		}
		stop() // a second Ctrl-C from now on ends the process at once
		if *keep != "" {
			fmt.Fprintf(out, "Stopped. The demo's data stays in %s: each directory there is a node's home\n"+
				"(`kith daemon --loopback --home %s` runs one again).\n", dir, filepath.Join(dir, demo.Sample.Members[0].Handle))
			return err
		}
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			return errors.Join(err, fmt.Errorf("delete the demo's data in %s: %w", dir, rmErr))
		}
		fmt.Fprintf(out, "Stopped; deleted %s.\n", dir)
		return err
	}
	return cmd
}

// demoDir returns where the nodes' homes go: keep, which must be new or
// empty (a kept demo is not resumed), or a fresh temporary directory.
func demoDir(keep string) (string, error) {
	if keep == "" {
		dir, err := os.MkdirTemp("", "kith-demo-")
		if err != nil {
			return "", fmt.Errorf("make a directory for the demo's data: %w", err)
		}
		return dir, nil
	}
	dir, err := filepath.Abs(keep)
	if err != nil {
		return "", fmt.Errorf("--keep %s: %w", keep, err)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("--keep %s: the directory is not empty: name a new one", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("--keep %s: %w", dir, err)
	}
	return dir, nil
}

// runDemo starts the nodes in dir, seeds the sample, prints how to reach
// each node, and runs until ctx ends; it always stops the nodes it started.
func runDemo(ctx context.Context, out io.Writer, dir string, keep bool, log *slog.Logger) (err error) {
	sample := demo.Sample
	fmt.Fprintf(out, "Starting %d Kith nodes on 127.0.0.1\n", len(sample.Members))
	if keep {
		fmt.Fprintf(out, "Data: %s (kept when the demo stops)\n", dir)
	} else {
		fmt.Fprintf(out, "Data: %s (deleted when the demo stops)\n", dir)
	}
	nw, err := demo.Start(ctx, dir, sample.Members, log)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "Stopping the nodes...")
		err = errors.Join(err, nw.Close())
	}()
	fmt.Fprintf(out, "Writing the sample community %q through them:\n", sample.Community.Name)
	community, err := demo.Seed(ctx, nw.Backends(), sample, func(format string, args ...any) {
		fmt.Fprintf(out, "  "+format+"\n", args...)
	})
	if err != nil {
		return err
	}
	printDemo(out, nw, community)
	if keep {
		fmt.Fprintf(out, "Ctrl-C stops the demo; its data stays in %s.\n", dir)
	} else {
		fmt.Fprintln(out, "Ctrl-C stops the demo and deletes its data.")
	}
	<-ctx.Done()
	return nil
}

// printDemo prints the community and, per node, its member and links.
func printDemo(out io.Writer, nw *demo.Network, community protocol.ID) {
	sample := demo.Sample
	fmt.Fprintf(out, "\nCommunity: %s  id %s\n", sample.Community.Name, community)
	for i, n := range nw.Nodes {
		p := sample.Members[i].Profile
		fmt.Fprintf(out, "\nNode %d (%s): %s, %s\n", i+1, sample.Members[i].Handle, p.Name, p.Org)
		fmt.Fprintf(out, "  UI:   %s\n", n.UILoginURL())
		fmt.Fprintf(out, "  API:  %s\n", n.APIURL())
		fmt.Fprintf(out, "  home: %s\n", nw.Homes[i])
	}
	fmt.Fprintln(out, "\nEach login link works once; open all three in one browser, side by side.")
	fmt.Fprintln(out, "\nReplication is live: post on one UI and watch it appear on the others.")
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/benchnet"
	"github.com/kith-network/kith/node/soak"
)

// benchCmd is `kith bench`: the project's own benchmarks of whole nodes.
func (c *cli) benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure whole nodes on this machine (loopback only)"}
	gossip := &cobra.Command{
		Use:   "gossip",
		Short: "Start N nodes on loopback, publish from varying nodes, report live delivery",
		Args:  noArgs,
	}
	var cfg benchnet.Config
	gossip.Flags().IntVar(&cfg.Nodes, "nodes", 10, "nodes in the network")
	gossip.Flags().IntVar(&cfg.Posts, "posts", 200, "posts to publish")
	gossip.Flags().DurationVar(&cfg.Interval, "interval", 20*time.Millisecond, "time between posts")
	gossip.Flags().IntVar(&cfg.Links, "links", 2, "extra connections per node besides its inviter")
	gossip.Flags().DurationVar(&cfg.Settle, "settle", 3*time.Second, "wait for the mesh before publishing")
	gossip.Flags().DurationVar(&cfg.Drain, "drain", 3*time.Second, "wait after the last post")
	asJSON := addJSONFlag(gossip)
	gossip.RunE = func(cmd *cobra.Command, _ []string) error {
		fmt.Fprintf(cmd.ErrOrStderr(), "starting %d nodes on loopback...\n", cfg.Nodes)
		res, err := benchnet.Run(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, res)
		}
		fmt.Fprintf(out, "nodes %d, posts %d, setup %v\n", res.Nodes, res.Posts, res.Setup.Round(time.Millisecond))
		fmt.Fprintf(out, "delivered live: %d of %d (%.2f%%)\n", res.Delivered, res.Expected, 100*res.DeliveredShare)
		fmt.Fprintf(out, "publish to stored: p50 %v, p99 %v, max %v\n", res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond), res.Max.Round(time.Microsecond))
		fmt.Fprintf(out, "every node holds every post at the end: %v\n", res.CompleteAfterAll)
		return nil
	}
	cmd.AddCommand(gossip, soakCmd())
	return cmd
}

// soakCmd is `kith bench soak`: many daemons for a long while.
func soakCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "soak",
		Short: "Run N daemons on loopback under steady posting for a long while; write a report",
		Long: "soak starts N `kith daemon --loopback` processes in one community, posts at a steady\n" +
			"rate from random nodes, samples every node's memory, goroutines and open files,\n" +
			"stops some nodes midway and measures how they catch up, and writes a Markdown\n" +
			"report with SVG charts into --out.",
		Args: noArgs,
	}
	cfg := soak.Config{}
	cmd.Flags().IntVar(&cfg.Nodes, "nodes", 20, "daemons in the network")
	cmd.Flags().DurationVar(&cfg.Duration, "duration", 10*time.Minute, "how long to post")
	cmd.Flags().Float64Var(&cfg.Rate, "rate", 2, "posts per second")
	cmd.Flags().DurationVar(&cfg.Sample, "sample", 10*time.Second, "time between footprint samples")
	cmd.Flags().IntVar(&cfg.Away, "away", 5, "nodes stopped midway")
	cmd.Flags().DurationVar(&cfg.AwayFor, "away-for", time.Minute, "how long they stay stopped")
	cmd.Flags().BoolVar(&cfg.Keep, "keep", false, "keep the daemons' homes and logs, and say where")
	out := cmd.Flags().String("out", "soak-report", "`directory` for report.md and its charts")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		bin, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the kith binary to run as daemons: %w", err)
		}
		cfg.Bin = bin
		start := time.Now()
		cfg.Progress = func(format string, args ...any) {
			fmt.Fprintf(cmd.ErrOrStderr(), "[%v] %s\n", time.Since(start).Round(time.Second), fmt.Sprintf(format, args...))
		}
		res, err := soak.Run(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		if err := res.WriteReport(*out, time.Now()); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		g := res.Growth()
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "posts %d; delivered live %d of %d (%.2f%%); p50 %v, p99 %v, max %v\n", res.Posts, res.DeliveredLive, res.ExpectedLive,
			100*res.Share(), res.P50.Round(time.Millisecond), res.P99.Round(time.Millisecond), res.Max.Round(time.Millisecond))
		fmt.Fprintf(w, "complete: %v (%v after the last post); stopped nodes caught up in %v\n", res.Complete, res.CompleteAfter.Round(time.Millisecond), res.CaughtUpIn.Round(time.Millisecond))
		fmt.Fprintf(w, "growth, worst node: RSS x%.2f, heap x%.2f, goroutines %+d, open files %+d\n", g.RSSRatio, g.HeapRatio, g.Goroutines, g.OpenFiles)
		fmt.Fprintf(w, "report: %s\n", filepath.Join(*out, "report.md"))
		return nil
	}
	return cmd
}

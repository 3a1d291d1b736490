package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/benchnet"
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
	cmd.AddCommand(gossip)
	return cmd
}

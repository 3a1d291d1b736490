package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node"
)

// daemonCmd is `kith daemon`: run the node until SIGINT or SIGTERM.
func (c *cli) daemonCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run the Kith node (sets itself up on first run)",
		Long: "daemon runs this machine's Kith node: it replicates your communities with other\n" +
			"members' nodes and serves the local API the kith command uses. The first run\n" +
			"creates an identity, a config file and the store in the home directory.",
		Args: noArgs,
	}
	listen := cmd.Flags().StringArray("listen", nil, "libp2p `multiaddr` to listen on (repeatable; default from config)")
	loopback := cmd.Flags().Bool("loopback", false, "use 127.0.0.1 only: listen, dial and advertise no other address, no mDNS, no NAT port mapping (for tests)")
	apiAddr := cmd.Flags().String("api", "", "`address` of the local API (default from config; 127.0.0.1:0 picks a free port)")
	bootstrap := cmd.Flags().StringArray("bootstrap", nil, "peer `multiaddr` to connect to at start (repeatable)")
	anchor := cmd.Flags().Bool("anchor", false, "this node has a public address and stays on: relay connections for members behind NAT (default from config)")
	logLevel := cmd.Flags().String("log-level", "info", "log `level`: debug, info, warn, error")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		var level slog.Level
		if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
			return fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if *anchor && *loopback {
			return errors.New("--anchor and --loopback exclude each other: an anchor serves nodes on other machines")
		}
		n, err := node.Start(ctx, node.Config{Home: h, Listen: *listen, Loopback: *loopback, API: *apiAddr,
			Bootstrap: *bootstrap, Anchor: *anchor, Logger: log})
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "Kith daemon running for %s\n", h.Dir)
		fmt.Fprintf(out, "UI:      %s\n", n.UILoginURL())
		fmt.Fprintf(out, "API:     %s\n", n.APIURL())
		fmt.Fprintf(out, "peer id: %s\n", n.PeerID())
		for _, a := range n.Addrs() {
			fmt.Fprintf(out, "listen:  %s\n", a)
		}
		<-ctx.Done()
		log.Info("stopping")
		return n.Close()
	}
	return cmd
}

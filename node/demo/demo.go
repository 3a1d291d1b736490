// Package demo runs `kith demo`: a small network of real nodes in one
// process, on loopback only, with a sample community of practice written
// through the nodes' own operations, so every record is signed by its
// author's member key and replicated as in a real network.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// Network is the demo's running nodes, one per member of the content.
type Network struct {
	Dir   string       // holds one home directory per node
	Nodes []*node.Node // Nodes[i] is Members[i]'s node
	Homes []string     // Homes[i] is Nodes[i]'s home directory
}

// Start starts one node per member in dir/<handle>, each with a fresh
// identity named after the member, on 127.0.0.1 only: loopback listen
// addresses, no mDNS, no port mapping, the API on a free port. On error
// it stops the nodes it started.
func Start(ctx context.Context, dir string, members []Member, log *slog.Logger) (*Network, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	nw := &Network{Dir: dir}
	for _, m := range members {
		h := home.Home{Dir: filepath.Join(dir, m.Handle)}
		if _, err := h.Init(home.InitOptions{Name: m.Profile.Name}); err != nil {
			nw.Close()
			return nil, fmt.Errorf("set up %s's node: %w", m.Handle, err)
		}
		n, err := node.Start(ctx, node.Config{Home: h, Loopback: true, API: "127.0.0.1:0",
			Logger: log.With("node", m.Handle)})
		if err != nil {
			nw.Close()
			return nil, fmt.Errorf("start %s's node: %w", m.Handle, err)
		}
		nw.Nodes = append(nw.Nodes, n)
		nw.Homes = append(nw.Homes, h.Dir)
	}
	return nw, nil
}

// Backends returns the nodes as the API sees them, for Seed.
func (nw *Network) Backends() []api.Backend {
	out := make([]api.Backend, len(nw.Nodes))
	for i, n := range nw.Nodes {
		out[i] = n
	}
	return out
}

// Close stops every node; their home directories stay.
func (nw *Network) Close() error {
	var errs []error
	for i, n := range nw.Nodes {
		if err := n.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop node %d: %w", i+1, err))
		}
	}
	nw.Nodes = nil
	return errors.Join(errs...)
}

// settleTimeout bounds how long Settle waits for the nodes to agree.
const settleTimeout = time.Minute

// Settle waits until every node holds the same accepted records of the
// community (equal digests), so that the next step can refer to what the
// last one wrote on any node. Gossip delivers almost everything at once;
// if the nodes still differ after a while, it asks each to sync now
// rather than wait for its periodic catch-up.
func Settle(ctx context.Context, nodes []api.Backend, community protocol.ID) error {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	nudge := time.Now().Add(2 * time.Second)
	for {
		digests, err := digestsOf(ctx, nodes, community)
		if err != nil {
			return err
		}
		if same(digests) {
			return nil
		}
		if time.Now().After(nudge) {
			for _, n := range nodes {
				n.SyncCommunity(ctx, community, false) // no peer yet is fine: the next nudge retries
			}
			nudge = time.Now().Add(2 * time.Second)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the nodes do not hold the same records of the community after %v (records:digest on each node: %q): %w",
				settleTimeout, digests, ctx.Err())
		case <-tick.C:
		}
	}
}

// digestsOf returns each node's digest and record count of the community
// ("" for a node that does not hold it yet).
func digestsOf(ctx context.Context, nodes []api.Backend, community protocol.ID) ([]string, error) {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		cs, err := n.Communities(ctx)
		if err != nil {
			return nil, fmt.Errorf("node %d's communities: %w", i+1, err)
		}
		for _, c := range cs {
			if c.ID == community {
				out[i] = fmt.Sprintf("%d:%s", c.Records, c.Digest)
			}
		}
	}
	return out, nil
}

func same(digests []string) bool {
	for _, d := range digests {
		if d == "" || d != digests[0] {
			return false
		}
	}
	return true
}

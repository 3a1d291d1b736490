// Package benchnet measures live replication: it starts a network of real
// nodes on loopback (each with its own home, store and libp2p host), has
// them join one community, publishes posts from varying nodes, and reports
// how many reached every other node by gossip and how fast.
package benchnet

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// Config is one benchmark run.
type Config struct {
	Nodes    int           // nodes in the network (at least 2)
	Posts    int           // posts published, from random nodes
	Interval time.Duration // between two posts
	Links    int           // extra connections each node makes to random others, besides its inviter
	Settle   time.Duration // wait after the network forms, before publishing
	Drain    time.Duration // wait after the last post for deliveries
	Log      *slog.Logger
}

// Result is what a run measured.
type Result struct {
	Nodes, Posts     int
	Expected         int           // deliveries expected: posts x (nodes - 1)
	Delivered        int           // deliveries by live gossip
	P50, P99, Max    time.Duration // publish-to-stored latency of delivered records
	Setup            time.Duration // starting the nodes and joining them
	DeliveredShare   float64       // Delivered / Expected
	CompleteAfterAll bool          // every node holds every post once the run ends (gossip or catch-up)
}

// Run starts the network, measures, and stops it, leaving nothing behind.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Nodes < 2 || cfg.Posts < 1 {
		return Result{}, fmt.Errorf("need at least 2 nodes and 1 post")
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := os.MkdirTemp("", "kith-benchnet-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)

	var mu sync.Mutex
	arrived := make(map[protocol.ID]map[int]time.Time) // record -> node -> when stored
	start := time.Now()
	nodes := make([]*node.Node, cfg.Nodes)
	defer func() {
		for _, n := range nodes {
			if n != nil {
				n.Close()
			}
		}
	}()
	for i := range nodes {
		i := i
		nodes[i], err = node.Start(ctx, node.Config{
			Home:     home.Home{Dir: filepath.Join(dir, fmt.Sprintf("node%02d", i))},
			Loopback: true,
			API:      "127.0.0.1:0",
			Logger:   log,
			OnRecord: func(r *protocol.Record, _ protocol.Status) {
				now := time.Now()
				mu.Lock()
				defer mu.Unlock()
				if arrived[r.ID()] == nil {
					arrived[r.ID()] = make(map[int]time.Time)
				}
				arrived[r.ID()][i] = now
			},
		})
		if err != nil {
			return Result{}, fmt.Errorf("start node %d: %w", i, err)
		}
	}
	community, err := nodes[0].CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Benchmark"})
	if err != nil {
		return Result{}, err
	}
	code, err := nodes[0].Invite(ctx, community, api.InviteRequest{})
	if err != nil {
		return Result{}, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 1; i < len(nodes); i++ {
		if _, err := nodes[i].Join(ctx, code.Code); err != nil {
			return Result{}, fmt.Errorf("node %d joins: %w", i, err)
		}
		for range min(cfg.Links, i-1) {
			other := nodes[1+rng.IntN(i-1)]
			if _, err := nodes[i].Connect(ctx, other.Addrs()[0]); err != nil {
				return Result{}, fmt.Errorf("node %d connects: %w", i, err)
			}
		}
	}
	setup := time.Since(start)
	time.Sleep(cfg.Settle)

	published := make(map[protocol.ID]struct {
		from int
		at   time.Time
	})
	for p := range cfg.Posts {
		from := rng.IntN(len(nodes))
		at := time.Now()
		id, err := nodes[from].Post(ctx, community, api.PostRequest{Title: fmt.Sprintf("post %d", p), Body: "measured"})
		if err != nil {
			return Result{}, fmt.Errorf("post %d on node %d: %w", p, from, err)
		}
		published[id] = struct {
			from int
			at   time.Time
		}{from, at}
		time.Sleep(cfg.Interval)
	}
	time.Sleep(cfg.Drain)

	res := Result{Nodes: cfg.Nodes, Posts: cfg.Posts, Expected: cfg.Posts * (cfg.Nodes - 1), Setup: setup}
	var lat []time.Duration
	mu.Lock()
	for id, pub := range published {
		for i, when := range arrived[id] {
			if i != pub.from {
				lat = append(lat, when.Sub(pub.at))
			}
		}
	}
	mu.Unlock()
	res.Delivered = len(lat)
	res.DeliveredShare = float64(res.Delivered) / float64(res.Expected)
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50, res.P99, res.Max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	}
	res.CompleteAfterAll = true
	for _, n := range nodes {
		page, err := n.Threads(ctx, community, api.ThreadQuery{Limit: 500})
		if err != nil {
			return res, err
		}
		if len(page.Items) < cfg.Posts {
			res.CompleteAfterAll = false
		}
	}
	return res, nil
}

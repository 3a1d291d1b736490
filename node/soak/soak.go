// Package soak runs a network of real `kith daemon` processes on loopback
// for a long while under a steady stream of posts, and measures what a
// member running a node for months cares about: whether every record
// arrives, how fast, and whether memory, goroutines or open files creep
// up. Midway it stops a share of the nodes for a while (laptops closed)
// and measures how they catch up when back. WriteReport turns a Result
// into a Markdown report with SVG charts.
package soak

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// Config is one soak run.
type Config struct {
	Bin      string        // the kith binary the daemons run
	Nodes    int           // daemons (at least 3)
	Duration time.Duration // of the posting phase
	Rate     float64       // posts per second, each from a random running node
	Sample   time.Duration // between two samples of every node's footprint
	Away     int           // nodes stopped midway
	AwayFor  time.Duration // for how long
	Keep     bool          // keep the daemons' homes and logs
	Progress func(format string, args ...any)
}

// Sample is one node's footprint at one time.
type Sample struct {
	At   time.Duration `json:"at"` // since the posting began
	Node int           `json:"node"`
	api.Runtime
}

// Result is what a run measured.
type Result struct {
	Config Config `json:"-"`
	Posts  int    `json:"posts"`
	// ExpectedLive counts (post, node) pairs where the node was running
	// when the post was made and is not its author; DeliveredLive those
	// that arrived by gossip.
	ExpectedLive  int             `json:"expected_live"`
	DeliveredLive int             `json:"delivered_live"`
	Latencies     []time.Duration `json:"-"` // created to stored, of live deliveries
	P50, P99, Max time.Duration
	// Complete says every node held every post (one digest) at the end,
	// CompleteAfter how long after the last post that was.
	Complete      bool          `json:"complete"`
	CompleteAfter time.Duration `json:"complete_after"`
	Samples       []Sample      `json:"samples"`
	// Catch-up of the nodes stopped midway: records missing on each,
	// sampled every second after it restarted, and when all had them all.
	Missing      map[int][]MissingPoint `json:"missing"`
	CaughtUpIn   time.Duration          `json:"caught_up_in"`
	AwayFrom     time.Duration          `json:"away_from"` // when they stopped
	Restarted    time.Duration          `json:"restarted"`
	StopFailures []string               `json:"stop_failures,omitempty"`
}

// MissingPoint is how many records a node lacked at a time after restart.
type MissingPoint struct {
	At      time.Duration `json:"at"`
	Missing int           `json:"missing"`
}

// node is one daemon of the run.
type node struct {
	d      daemon
	mu     sync.Mutex
	client *client.Client
}

func (n *node) api() *client.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.client
}

// arrival is one record stored on one node.
type arrival struct {
	at  time.Time
	via string
}

// run holds a run's shared state.
type run struct {
	cfg       Config
	community protocol.ID
	nodes     []*node
	start     time.Time

	away      map[int]bool // the nodes stopped midway
	awayFrom  time.Time    // when they stopped
	awayUntil time.Time    // when they were back

	mu        sync.Mutex
	arrived   map[protocol.ID]map[int]arrival
	published map[protocol.ID]published
}

type published struct {
	from    int
	created time.Time
	up      []bool // which nodes were running then
}

// Run starts the network, runs the soak and stops every daemon, leaving
// nothing behind.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Nodes < 3 || cfg.Rate <= 0 || cfg.Duration <= 0 || cfg.Away >= cfg.Nodes {
		return nil, errors.New("soak: need at least 3 nodes, a positive rate and duration, and fewer nodes away than nodes")
	}
	if cfg.Sample <= 0 {
		cfg.Sample = 10 * time.Second
	}
	if cfg.Progress == nil {
		cfg.Progress = func(string, ...any) {}
	}
	dir, err := os.MkdirTemp("", "kith-soak-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if cfg.Keep {
			cfg.Progress("the daemons' homes and logs are in %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	r := &run{cfg: cfg, arrived: make(map[protocol.ID]map[int]arrival), published: make(map[protocol.ID]published)}
	res := &Result{Config: cfg, Missing: make(map[int][]MissingPoint)}
	ctx, cancel := context.WithCancel(ctx)
	var followers sync.WaitGroup
	defer func() {
		cancel()
		for i, n := range r.nodes {
			if err := n.d.stop(); err != nil {
				res.StopFailures = append(res.StopFailures, fmt.Sprintf("node %d: %v", i, err))
			}
		}
		followers.Wait()
	}()

	cfg.Progress("starting %d daemons on loopback", cfg.Nodes)
	for i := range cfg.Nodes {
		n := &node{d: daemon{bin: cfg.Bin, home: filepath.Join(dir, fmt.Sprintf("node%02d", i))}}
		if err := os.MkdirAll(n.d.home, 0o700); err != nil {
			return nil, err
		}
		c, err := n.d.start(ctx)
		if err != nil {
			return nil, err
		}
		n.client = c
		r.nodes = append(r.nodes, n)
		followers.Go(func() { r.follow(ctx, i) })
	}
	if err := r.form(ctx); err != nil {
		return nil, err
	}

	cfg.Progress("posting %.1f/s for %v", cfg.Rate, cfg.Duration)
	r.start = time.Now()
	awayAt := cfg.Duration / 2
	res.AwayFrom = awayAt
	away := make([]int, 0, cfg.Away)
	r.away = make(map[int]bool)
	for i := range cfg.Away {
		away = append(away, cfg.Nodes-1-i) // never node 0, which created the community
		r.away[cfg.Nodes-1-i] = true
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	postEvery := time.Duration(float64(time.Second) / cfg.Rate)
	nextPost, nextSample := r.start, r.start
	phase := 0 // 0: all up, 1: some away, 2: back
	var restartedAt time.Time
	for {
		now := time.Now()
		elapsed := now.Sub(r.start)
		if elapsed >= cfg.Duration {
			break
		}
		switch {
		case phase == 0 && cfg.Away > 0 && elapsed >= awayAt:
			cfg.Progress("stopping %d nodes for %v", len(away), cfg.AwayFor)
			r.awayFrom = time.Now()
			for _, i := range away {
				if err := r.nodes[i].d.stop(); err != nil {
					res.StopFailures = append(res.StopFailures, err.Error())
				}
			}
			phase = 1
		case phase == 1 && elapsed >= awayAt+cfg.AwayFor:
			cfg.Progress("restarting them")
			for _, i := range away {
				c, err := r.nodes[i].d.start(ctx)
				if err != nil {
					return nil, err
				}
				r.nodes[i].mu.Lock()
				r.nodes[i].client = c
				r.nodes[i].mu.Unlock()
			}
			restartedAt = time.Now()
			r.awayUntil = restartedAt
			res.Restarted = restartedAt.Sub(r.start)
			phase = 2
		case !now.Before(nextSample):
			r.sample(ctx, res, elapsed)
			nextSample = nextSample.Add(cfg.Sample)
			cfg.Progress("%v: %d posts", elapsed.Round(time.Second), res.Posts)
		case !now.Before(nextPost):
			if err := r.post(ctx, rng, res.Posts); err != nil {
				return nil, err
			}
			res.Posts++
			// A steady rate: time lost (stopping nodes) is not made up
			// by a burst.
			nextPost = nextPost.Add(postEvery)
			if behind := time.Now().Add(-postEvery); nextPost.Before(behind) {
				nextPost = behind
			}
		default:
			wait := min(time.Until(nextPost), time.Until(nextSample))
			if phase == 2 && len(away) > 0 {
				r.missing(ctx, res, away, restartedAt)
				wait = min(wait, time.Second)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(max(wait, time.Millisecond)):
			}
		}
	}
	lastPost := time.Now()
	cfg.Progress("waiting for every node to hold every post")
	for time.Since(lastPost) < 2*time.Minute {
		if phase == 2 {
			r.missing(ctx, res, away, restartedAt)
		}
		if r.complete(ctx) {
			res.Complete, res.CompleteAfter = true, time.Since(lastPost)
			break
		}
		time.Sleep(time.Second)
	}
	if phase == 2 {
		r.missing(ctx, res, away, restartedAt)
	}
	r.sample(ctx, res, time.Since(r.start))
	r.measure(res)
	return res, nil
}

// form has node 0 create the community and every other node join it.
func (r *run) form(ctx context.Context) error {
	c0 := r.nodes[0].api()
	id, err := c0.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Soak"})
	if err != nil {
		return err
	}
	r.community = id
	code, err := c0.Invite(ctx, id, api.InviteRequest{})
	if err != nil {
		return err
	}
	for i, n := range r.nodes[1:] {
		if _, err := n.api().Join(ctx, code.Code); err != nil {
			return fmt.Errorf("node %d joins: %w", i+1, err)
		}
	}
	return nil
}

// follow records every record node i stores, reconnecting to its event
// stream whenever the daemon restarts, until ctx ends.
func (r *run) follow(ctx context.Context, i int) {
	for ctx.Err() == nil {
		c := r.nodes[i].api()
		err := c.Feed(ctx, func(ev api.FeedItem) error {
			if ev.Record == nil {
				return nil
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			m := r.arrived[ev.Record.ID]
			if m == nil {
				m = make(map[int]arrival)
				r.arrived[ev.Record.ID] = m
			}
			if _, seen := m[i]; !seen {
				m[i] = arrival{at: time.UnixMilli(ev.Record.Stored), via: ev.Record.Via}
			}
			return nil
		})
		_ = err // the daemon stopped or restarted: follow it again
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// post publishes post k from a random running node.
func (r *run) post(ctx context.Context, rng *rand.Rand, k int) error {
	up := make([]bool, len(r.nodes))
	var candidates []int
	for i, n := range r.nodes {
		up[i] = n.d.running()
		if up[i] {
			candidates = append(candidates, i)
		}
	}
	from := candidates[rng.IntN(len(candidates))]
	created := time.Now()
	id, err := r.nodes[from].api().Post(ctx, r.community, api.PostRequest{Title: fmt.Sprintf("soak post %d", k), Body: "steady traffic"})
	if err != nil {
		return fmt.Errorf("post %d on node %d: %w", k, from, err)
	}
	r.mu.Lock()
	r.published[id] = published{from: from, created: created, up: up}
	r.mu.Unlock()
	return nil
}

// sample records every running node's footprint.
func (r *run) sample(ctx context.Context, res *Result, at time.Duration) {
	for i, n := range r.nodes {
		if !n.d.running() {
			continue
		}
		st, err := n.api().Status(ctx)
		if err == nil {
			res.Samples = append(res.Samples, Sample{At: at, Node: i, Runtime: st.Runtime})
		}
	}
}

// missing records how many records each restarted node lacks, against
// node 0, until it lacks none.
func (r *run) missing(ctx context.Context, res *Result, away []int, restarted time.Time) {
	ref, ok := r.records(ctx, 0)
	if !ok {
		return
	}
	all := true
	for _, i := range away {
		pts := res.Missing[i]
		if len(pts) > 0 && pts[len(pts)-1].Missing == 0 {
			continue
		}
		got, ok := r.records(ctx, i)
		if !ok {
			all = false
			continue
		}
		m := max(0, int(ref)-int(got))
		res.Missing[i] = append(pts, MissingPoint{At: time.Since(restarted), Missing: m})
		if m > 0 {
			all = false
		}
	}
	if all && res.CaughtUpIn == 0 {
		res.CaughtUpIn = time.Since(restarted)
	}
}

// records is how many accepted records node i holds.
func (r *run) records(ctx context.Context, i int) (uint64, bool) {
	cs, err := r.nodes[i].api().Communities(ctx)
	if err != nil {
		return 0, false
	}
	for _, c := range cs {
		if c.ID == r.community {
			return c.Records, true
		}
	}
	return 0, false
}

// complete reports whether every node holds the same records as node 0.
func (r *run) complete(ctx context.Context) bool {
	var digest string
	for i, n := range r.nodes {
		cs, err := n.api().Communities(ctx)
		if err != nil {
			return false
		}
		found := false
		for _, c := range cs {
			if c.ID == r.community {
				found = true
				if i == 0 {
					digest = c.Digest
				} else if c.Digest != digest {
					return false
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// measure computes delivery and latency from what the followers saw.
func (r *run) measure(res *Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, pub := range r.published {
		for i := range r.nodes {
			if i == pub.from || !pub.up[i] || r.awayAround(i, pub.created) {
				continue
			}
			res.ExpectedLive++
			if a, ok := r.arrived[id][i]; ok && a.via == "gossip" {
				res.DeliveredLive++
				res.Latencies = append(res.Latencies, a.at.Sub(pub.created))
			}
		}
	}
	res.P50, res.P99, res.Max = percentiles(res.Latencies)
}

// settle is how long around its absence a stopped node is not expected to
// get posts live: it leaves the mesh as it stops, and rejoins it after.
const settle = 5 * time.Second

// awayAround reports whether node i was stopped, or about to be, or just
// back, at t.
func (r *run) awayAround(i int, t time.Time) bool {
	if !r.away[i] || r.awayFrom.IsZero() {
		return false
	}
	until := r.awayUntil
	if until.IsZero() {
		until = time.Now()
	}
	return t.After(r.awayFrom.Add(-settle)) && t.Before(until.Add(settle))
}

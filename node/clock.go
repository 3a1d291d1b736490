package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// Records carry their author's clock, and a node refuses those dated
// more than protocol.MaxFuture ahead of its own. A node whose clock is
// off therefore writes records its peers refuse (ahead), or refuses
// theirs (behind), and neither shows as an error anywhere near the
// cause. So each node asks every peer it connects to for the time, and
// says when its own clock is off from theirs: in its log, in `kith
// status` and the API.
//
//	/kith/clock/1.0.0: the server writes its clock, 8 bytes big-endian
//	unix milliseconds, and closes the stream.
//
// A peer can lie about its clock: the node takes the median of its
// connected peers' offsets, and the result only ever makes a warning.
const clockProtocol = "/kith/clock/1.0.0"

// clockWarn is how far the peers' median clock may be from ours before
// the node warns: well within protocol.MaxFuture, so that the warning
// comes before records are refused.
const clockWarn = 2 * time.Minute

// clockAsk bounds asking one peer for its time.
const clockAsk = 10 * time.Second

// clocks keeps what connected peers' clocks said.
type clocks struct {
	mu     sync.Mutex
	told   map[peer.ID]peerClock
	warned bool // the last evaluation warned
}

// peerClock is the time a peer told, and when, by this machine's
// monotonic clock: the offset is worked out when it is read, so that
// setting this machine's clock right shows at once, not at the peer's
// next connection.
type peerClock struct {
	theirs time.Time // the peer's clock, halfway through the exchange
	at     time.Time // time.Now() then, with its monotonic reading
}

// offset is the peer's clock minus ours, now.
func (c peerClock) offset(ours time.Time) time.Duration {
	return c.theirs.Add(time.Since(c.at)).Sub(ours)
}

// wallClock is this node's clock as it tells peers; tests shift it.
func (n *Node) wallClock() time.Time { return time.Now().Add(n.cfg.clockSkew) }

// serveClock answers a peer's question for the time.
func (n *Node) serveClock(s network.Stream) {
	defer s.Close()
	s.SetDeadline(time.Now().Add(clockAsk))
	s.Write(binary.BigEndian.AppendUint64(nil, uint64(n.wallClock().UnixMilli())))
}

// askClock asks p for its time, taking the answer to have been made
// halfway through the exchange.
func (n *Node) askClock(ctx context.Context, p peer.ID) (peerClock, error) {
	ctx, cancel := context.WithTimeout(ctx, clockAsk)
	defer cancel()
	start := time.Now()
	s, err := n.newStream(ctx, p, clockProtocol)
	if err != nil {
		return peerClock{}, fmt.Errorf("ask %s the time: %w", p, err)
	}
	defer s.Close()
	defer resetOnDone(ctx, s)()
	var b [8]byte
	if _, err := io.ReadFull(s, b[:]); err != nil {
		return peerClock{}, fmt.Errorf("ask %s the time: %w", p, err)
	}
	return peerClock{theirs: time.UnixMilli(int64(binary.BigEndian.Uint64(b[:]))), at: start.Add(time.Since(start) / 2)}, nil
}

// checkClock asks a newly connected peer for its time, and says whether
// this node's clock is off from its peers'.
func (n *Node) checkClock(ctx context.Context, p peer.ID) {
	told, err := n.askClock(ctx, p)
	if err != nil {
		n.log.Debug("clock check", "peer", p, "err", err)
		return
	}
	n.clocks.mu.Lock()
	defer n.clocks.mu.Unlock()
	n.clocks.told[p] = told
	st := n.clockStatusLocked()
	off := time.Duration(st.OffsetMS) * time.Millisecond
	switch {
	case st.Off && !n.clocks.warned:
		n.log.Warn("this node's clock is off from its peers': "+clockAdvice(off),
			"peers", st.Peers, "their clock minus ours", off.Round(time.Second))
	case !st.Off && n.clocks.warned:
		n.log.Info("this node's clock agrees with its peers' again", "peers", st.Peers)
	}
	n.clocks.warned = st.Off
}

// clockStatusLocked is the median offset of the connected peers' clocks
// from ours (for an even count, the nearer of the middle two); n.clocks.mu
// is held. It forgets peers no longer connected.
func (n *Node) clockStatusLocked() api.ClockStatus {
	var offs []time.Duration
	ours := n.wallClock()
	for p, c := range n.clocks.told {
		if n.host.Network().Connectedness(p) != network.Connected {
			delete(n.clocks.told, p)
			continue
		}
		offs = append(offs, c.offset(ours))
	}
	if len(offs) == 0 {
		return api.ClockStatus{}
	}
	slices.Sort(offs)
	median := offs[len(offs)/2]
	if lower := offs[(len(offs)-1)/2]; lower.Abs() < median.Abs() {
		// Of an even count's middle two, the nearer: half the peers at
		// least put ours this far off. Between one peer in step and one
		// off, ours is not the clock to blame.
		median = lower
	}
	st := api.ClockStatus{Peers: len(offs), OffsetMS: median.Milliseconds(), Off: median.Abs() > clockWarn}
	if st.Off {
		st.Advice = clockAdvice(median)
	}
	return st
}

// clockStatus implements the clock part of api.Status.
func (n *Node) clockStatus() api.ClockStatus {
	n.clocks.mu.Lock()
	defer n.clocks.mu.Unlock()
	return n.clockStatusLocked()
}

// clockAdvice says what an offset of the peers' clocks from ours means
// for the member.
func clockAdvice(off time.Duration) string {
	d := roughly(off.Abs())
	if off > 0 {
		return fmt.Sprintf("this machine's clock is %s behind its peers': records they write more than %s ahead of it wait here until it is their time; set this machine's clock right", d, roughly(protocol.MaxFuture))
	}
	return fmt.Sprintf("this machine's clock is %s ahead of its peers': records written here more than %s ahead of theirs are refused until their time comes; set this machine's clock right", d, roughly(protocol.MaxFuture))
}

// roughly says a duration as people do: "3 h 5 min", "10 min", "45 s".
func roughly(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d s", sec)
}

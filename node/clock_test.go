package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/home"
)

// TestClockOffFromPeers: nodes ask the peers they connect to for the
// time, and a node whose clock is three hours ahead of two peers is told
// so, as are they: its status says how far and what it means; peers that
// agree say nothing.
func TestClockOffFromPeers(t *testing.T) {
	ctx := context.Background()
	a, c := startTestNode(t), startTestNode(t)
	ahead, err := Start(ctx, Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0", clockSkew: 3 * time.Hour})
	must(t, err)
	defer ahead.Close()
	for _, pair := range [][2]*Node{{a, ahead}, {c, ahead}, {a, c}} {
		must(t, pair[0].host.Connect(ctx, peerInfo(pair[1])))
	}
	waitFor(t, "every node asked its peers the time", 10*time.Second, func() bool {
		return a.clockStatus().Peers == 2 && c.clockStatus().Peers == 2 && ahead.clockStatus().Peers == 2
	})
	st, err := ahead.Status(ctx)
	must(t, err)
	if off := time.Duration(st.Clock.OffsetMS) * time.Millisecond; !st.Clock.Off || off > -3*time.Hour+time.Minute || off < -3*time.Hour-time.Minute ||
		!strings.Contains(st.Clock.Advice, "3 h ahead of its peers'") {
		t.Errorf("the node three hours ahead: %+v", st.Clock)
	}
	// a and c each see one peer three hours ahead and one in step: theirs
	// is not the clock to blame.
	for _, n := range []*Node{a, c} {
		if st := n.clockStatus(); st.Off || st.Advice != "" {
			t.Errorf("a node among one peer in step and one ahead: %+v", st)
		}
	}
	must(t, ahead.Close())
	waitFor(t, "a forgets the peer gone", 10*time.Second, func() bool { return a.clockStatus().Peers == 1 })
	if st := a.clockStatus(); st.Off || st.OffsetMS > time.Minute.Milliseconds() || st.OffsetMS < -time.Minute.Milliseconds() {
		t.Errorf("a node with one peer in step: %+v", st)
	}
	// One peer is enough to be told: which clock is wrong, the member
	// can tell by looking at theirs.
	behind, err := Start(ctx, Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0", clockSkew: -time.Hour})
	must(t, err)
	defer behind.Close()
	must(t, behind.host.Connect(ctx, peerInfo(a)))
	// (It may meet c through a meanwhile: its clock is in step too.)
	waitFor(t, "the node behind asked a", 10*time.Second, func() bool { return behind.clockStatus().Peers >= 1 })
	if st := behind.clockStatus(); !st.Off || !strings.Contains(st.Advice, "1 h behind its peers'") {
		t.Errorf("a node an hour behind its peers: %+v", st)
	}
}

// TestClockOffsetFollowsOurClock: what a peer told is kept with the
// monotonic time it came, so that the offset read later follows this
// machine's clock as it is then: setting it right clears the warning at
// once, not at the peer's next connection.
func TestClockOffsetFollowsOurClock(t *testing.T) {
	now := time.Now()
	told := peerClock{theirs: now.Add(-time.Hour), at: now} // the peer said: an hour behind us
	if off := told.offset(time.Now()); off > -time.Hour+time.Second || off < -time.Hour-time.Second {
		t.Errorf("offset %v, want about -1h", off)
	}
	// Our clock set back an hour, to the peer's: in step.
	if off := told.offset(time.Now().Add(-time.Hour)); off.Abs() > time.Second {
		t.Errorf("offset after setting our clock %v, want about 0", off)
	}
}

func TestRoughly(t *testing.T) {
	for d, want := range map[time.Duration]string{
		3 * time.Hour: "3 h", 3*time.Hour + 5*time.Minute + 2*time.Second: "3 h 5 min", 10 * time.Minute: "10 min", 45 * time.Second: "45 s", 0: "0 s",
	} {
		if got := roughly(d); got != want {
			t.Errorf("roughly(%v) = %q, want %q", d, got, want)
		}
	}
}

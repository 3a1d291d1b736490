package ui

import (
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// The network page's words: a table of sync states, peers and times, and
// what a person reads for each. (The browser tests of the page are in
// admin_test.go, with the other browser tests of these pages.)

// TestNetworkSyncWords: every reason a community syncs or not is told in
// words, with the advice that goes with it.
func TestNetworkSyncWords(t *testing.T) {
	now := time.UnixMilli(1_750_000_000_000)
	before := func(d time.Duration) int64 { return now.Add(-d).UnixMilli() }
	const peerID = "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
	direct := []api.Peer{{PeerID: peerID}}
	relayed := []api.Peer{{PeerID: peerID, Relayed: true}}
	open := func(st api.SyncState) api.Community {
		return api.Community{Name: "c", Standing: "member", Sync: st}
	}
	inviteOnly := func(standing string, st api.SyncState) api.Community {
		return api.Community{Name: "c", Standing: standing, InviteOnly: true, Sync: st}
	}
	for _, tc := range []struct {
		name      string
		community api.Community
		peers     []api.Peer
		state     string
		headline  string
		want      []string // in the detail
		error     bool     // the raw error is kept
	}{
		{"the only member", api.Community{Name: "c", Standing: "founder", Members: 1}, direct, "alone", "Only you so far",
			[]string{"you are its only member", "Invite someone"}, false},
		{"never synced, nobody connected", open(api.SyncState{}), nil, "waiting", "Not synced",
			[]string{"Not synced: no member of this community is connected. It will sync as soon as one is online; you can also connect to a member's address below."}, false},
		{"synced before, nobody connected now", open(api.SyncState{LastSync: before(2 * time.Hour), LastPeer: peerID}), nil,
			"waiting", "Not syncing now",
			[]string{"Not syncing now: no peer is connected", "Last synced 2 hours ago with peer 12D3KooW…CVe2Xo.", "as soon as a member of this community is online"}, false},
		{"up to date", open(api.SyncState{LastSync: before(2 * time.Minute), LastPeer: peerID}), direct, "ok", "Up to date",
			[]string{"Up to date: last synced 2 min ago with peer 12D3KooW…CVe2Xo."}, false},
		{"up to date, records fetched", open(api.SyncState{LastSync: before(20 * time.Second), LastPeer: peerID, Fetched: 1}), direct, "ok", "Up to date",
			[]string{"last synced 20 seconds ago", "That sync brought 1 record."}, false},
		{"syncing, missing known", open(api.SyncState{InProgress: true, Fetched: 120, Missing: 300}), direct, "syncing", "Syncing now",
			[]string{"Syncing now: 120 of 300 missing records fetched."}, false},
		{"syncing, count unknown", open(api.SyncState{InProgress: true, Fetched: 120}), direct, "syncing", "Syncing now",
			[]string{"120 records fetched so far."}, false},
		{"syncing, comparing", open(api.SyncState{InProgress: true}), direct, "syncing", "Syncing now",
			[]string{"Syncing now: comparing"}, false},
		{"peers connected, none a member", open(api.SyncState{}), append(direct, api.Peer{PeerID: "other"}), "waiting", "Not synced",
			[]string{"Not synced: none of the 2 connected peers has synced this community", "no member of it seems to be connected", "connect to a member's address below"}, false},
		{"one peer connected, not a member", open(api.SyncState{}), direct, "waiting", "Not synced",
			[]string{"none of the 1 connected peer has synced"}, false},
		{"relayed only", open(api.SyncState{}), relayed, "waiting", "Not synced",
			[]string{"Not synced: this node reaches its peers only through relays", "no records flow over a relayed connection"}, false},
		{"stale", open(api.SyncState{LastSync: before(3 * time.Hour), LastPeer: peerID}), direct, "waiting", "Not synced for 3 hours",
			[]string{"Not synced for 3 hours: last synced 3 hours ago", "no member of this community seems to be connected now"}, false},
		{"failed, timeout", open(api.SyncState{LastError: "sync x with y: context deadline exceeded"}), direct, "failed", "Last sync failed",
			[]string{"Last sync failed: the other node took too long to answer", "tried again by itself", "has not synced successfully since this node started"}, true},
		{"failed after a success", open(api.SyncState{LastSync: before(5 * time.Minute), LastPeer: peerID, LastError: "stream reset"}), direct,
			"failed", "Last sync failed", []string{"the connection was cut off", "The last successful sync was 5 min ago, with peer 12D3KooW…CVe2Xo."}, true},
		{"failed, protocol", open(api.SyncState{LastError: "open sync stream to x: protocols not supported: [/kith/sync/1.0.0]"}), direct,
			"failed", "Last sync failed", []string{"does not speak this version"}, true},
		{"failed, hostile peer", open(api.SyncState{LastError: "malformed request"}), direct, "failed", "Last sync failed",
			[]string{"could not accept"}, true},
		{"failed, unknown", open(api.SyncState{LastError: "something odd"}), direct, "failed", "Last sync failed",
			[]string{"an unexpected error"}, true},
		{"removed from an invite-only community", inviteOnly("removed", api.SyncState{LastSync: before(time.Hour), LastPeer: peerID}), direct,
			"refused", "Not synced", []string{"Not synced: a moderator removed you", "Last synced 1 hour ago"}, false},
		{"not admitted to an invite-only community", inviteOnly("none", api.SyncState{}), direct, "refused", "Not synced",
			[]string{"Not synced: you are not admitted", "used up, expired or revoked", "Run the join again with the same code"}, false},
		{"removed from an open community still syncs", api.Community{Standing: "removed", Sync: api.SyncState{LastSync: before(time.Minute), LastPeer: peerID}},
			direct, "ok", "Up to date", nil, false},
		{"syncing wins over standing", inviteOnly("removed", api.SyncState{InProgress: true}), direct, "syncing", "Syncing now", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := explainSync(tc.community, tc.peers, now)
			if e.State != tc.state || e.Headline != tc.headline {
				t.Errorf("state %q, headline %q; want %q, %q", e.State, e.Headline, tc.state, tc.headline)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Sentence(), w) {
					t.Errorf("%q lacks %q", e.Sentence(), w)
				}
			}
			if (e.Error != "") != tc.error || (tc.error && e.Error != tc.community.Sync.LastError) {
				t.Errorf("error %q, the node's %q", e.Error, tc.community.Sync.LastError)
			}
		})
	}
}

// TestNetworkTimeAgo: durations in words.
func TestNetworkTimeAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Minute:     "just now", // a clock that went back
		0:                "just now",
		12 * time.Second: "12 seconds ago",
		61 * time.Second: "1 min ago",
		2 * time.Minute:  "2 min ago",
		59 * time.Minute: "59 min ago",
		90 * time.Minute: "1 hour ago",
		5 * time.Hour:    "5 hours ago",
		47 * time.Hour:   "47 hours ago",
		72 * time.Hour:   "3 days ago",
	} {
		if got := timeAgo(d); got != want {
			t.Errorf("timeAgo(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestNetworkScoreWords: gossip scores in words.
func TestNetworkScoreWords(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		score     *float64
		want      string
		penalised bool
	}{
		{nil, "not scored", false},
		{f(12.25), "12.2: in good standing", false},
		{f(0), "0.0: neutral", false},
		{f(-3), "-3.0: penalised", true},
		{f(-3000), "-3000.0: ignored", true},
	} {
		got, p := scoreWords(tc.score)
		if !strings.HasPrefix(got, tc.want) || p != tc.penalised {
			t.Errorf("scoreWords(%v) = %q, %v; want %q…, %v", tc.score, got, p, tc.want, tc.penalised)
		}
	}
}

// TestNetworkSyncBack: the Sync now answer's query goes after the page's
// own, and before no fragment.
func TestNetworkSyncBack(t *testing.T) {
	for in, want := range map[string]string{
		"/network":          "/network?",
		"/network#c-1":      "/network?",
		"/c/1?tag=go":       "/c/1?tag=go&",
		"/c/1?tag=go#peers": "/c/1?tag=go&",
	} {
		if got := syncBack(in); got != want {
			t.Errorf("syncBack(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNetworkPageSaysTheClockIsOff: the network page says, in the node's
// words, that this machine's clock is off from its peers' when the
// status says so, and nothing of the clock when it is in step.
func TestNetworkPageSaysTheClockIsOff(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler), pages: make(map[string]*template.Template)}
	if err := s.parse(); err != nil {
		t.Fatal(err)
	}
	advice := "this machine's clock is 1h0m0s behind its peers'"
	for _, tc := range []struct {
		clock api.ClockStatus
		want  bool
	}{
		{api.ClockStatus{Peers: 2, OffsetMS: 3_600_000, Off: true, Advice: advice}, true},
		{api.ClockStatus{Peers: 2, OffsetMS: 300}, false},
	} {
		rec := httptest.NewRecorder()
		s.render(rec, http.StatusOK, "network", networkPage{Status: api.Status{Clock: tc.clock}})
		body := html.UnescapeString(rec.Body.String())
		if got := strings.Contains(body, "Off from its peers'") && strings.Contains(body, advice); got != tc.want {
			t.Errorf("clock %+v: said so %v, want %v:\n%s", tc.clock, got, tc.want, body)
		}
	}
}

package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
)

// The network page: this node, its peers, a form to connect to an
// address, and per community where sync stands, in words.

type networkPage struct {
	Status      api.Status
	Peers       []peerRow
	Direct      int // peers with a direct connection
	Communities []communitySync
	// Connected is the peer the connect form just reached, when it is
	// still connected.
	Connected string
	// Already says it was connected before the form.
	Already bool
}

// peerRow is a connected peer as the page shows it.
type peerRow struct {
	api.Peer
	Score      string // the gossip score in words
	Penalised  bool
	Just       bool // the peer the connect form just reached
	Connection string
}

// communitySync is one community's sync state as the page shows it.
type communitySync struct {
	Community api.Community
	Sync      syncExplanation
	// Notice answers the Sync now button, when it was pressed for this
	// community.
	Notice string
}

func (s *Server) network(r *http.Request) (string, any, error) {
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	peers, err := s.backend.Peers(r.Context())
	if err != nil {
		return "", nil, err
	}
	q := r.URL.Query()
	page := networkPage{Status: st}
	for _, p := range peers {
		row := peerRow{Peer: p, Connection: "direct"}
		row.Score, row.Penalised = scoreWords(p.GossipScore)
		if p.Relayed {
			row.Connection = "through a relay: no records flow over it"
		} else {
			page.Direct++
		}
		if c := q.Get("connected"); c != "" && c == p.PeerID {
			row.Just, page.Connected, page.Already = true, p.PeerID, q.Get("already") != ""
		}
		page.Peers = append(page.Peers, row)
	}
	now := time.Now()
	for _, c := range st.Communities {
		cs := communitySync{Community: c, Sync: explainSync(c, peers, now)}
		if q.Get("c") == c.ID.String() {
			switch q.Get("sync") {
			case "started":
				cs.Notice = "Sync started with the connected members' nodes: this page shows its progress as records arrive."
			case "nopeer":
				cs.Notice = "Nobody to sync with: none of the connected peers is in this community. Connect to a member's address below, or wait for one to come online."
			}
		}
		page.Communities = append(page.Communities, cs)
	}
	return "network", page, nil
}

// connectTimeout bounds the connect form's dial.
const connectTimeout = 30 * time.Second

func (s *Server) connect(r *http.Request) (string, error) {
	addr := strings.TrimSpace(r.PostForm.Get("address"))
	if addr == "" {
		return "", fmt.Errorf("%w: give an address to connect to, such as /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW…", api.ErrBadRequest)
	}
	ctx, cancel := context.WithTimeout(r.Context(), connectTimeout)
	defer cancel()
	p, err := s.backend.Connect(ctx, addr)
	switch {
	case err == nil && p.AlreadyConnected:
		return "/network?connected=" + url.QueryEscape(p.PeerID) + "&already=1#peers", nil
	case err == nil:
		return "/network?connected=" + url.QueryEscape(p.PeerID) + "#peers", nil
	case errors.Is(err, api.ErrBadRequest), errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return "", err
	default:
		// Not this node's fault: nobody answered there.
		return "", fmt.Errorf("%w: no Kith node answered at %s. Check the address (it must end in /p2p/ and the peer id) and that the node is running. What happened: %v",
			api.ErrNotFound, addr, err)
	}
}

func (s *Server) syncNow(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	if _, err := s.findCommunity(r, id); errors.Is(err, api.ErrNotFound) {
		return "", fmt.Errorf("%w: this node holds no community %s", err, id)
	} else if err != nil {
		return "", err
	}
	back := syncBack(backTo(r, "/network"))
	_, err = s.backend.SyncCommunity(r.Context(), id, false)
	switch {
	case err == nil:
		return back + "sync=started&c=" + id.String() + "#c-" + id.String(), nil
	case errors.Is(err, api.ErrNotFound):
		// The community is here (checked above): nobody to sync with.
		return back + "sync=nopeer&c=" + id.String() + "#c-" + id.String(), nil
	default:
		return "", err
	}
}

// syncBack prepares a path for the sync answer's query parameters.
func syncBack(back string) string {
	back, _, _ = strings.Cut(back, "#")
	if strings.Contains(back, "?") {
		return back + "&"
	}
	return back + "?"
}

// scoreWords says what a gossip score means; penalised is true below zero.
func scoreWords(score *float64) (words string, penalised bool) {
	switch {
	case score == nil:
		return "not scored", false
	case *score < -2500:
		return fmt.Sprintf("%.1f: ignored (it sent invalid records or more than the limits allow)", *score), true
	case *score < 0:
		return fmt.Sprintf("%.1f: penalised (it sent invalid records or too many)", *score), true
	case *score == 0:
		return "0.0: neutral (nothing for or against it yet)", false
	default:
		return fmt.Sprintf("%.1f: in good standing (it delivers records first and stays in the mesh)", *score), false
	}
}

// syncExplanation is where sync stands for one community, in words: the
// page shows "Headline: Detail".
type syncExplanation struct {
	// State is one of ok, syncing, waiting, failed, refused (also the
	// CSS class of the box).
	State    string
	Headline string // "Up to date", "Not synced", ...
	Detail   string // what follows the headline: why, and what to do
	// Error is the last error as the node reported it, for the curious.
	Error string
}

// Sentence is the explanation as one text.
func (e syncExplanation) Sentence() string { return e.Headline + ": " + e.Detail }

// staleAfter is how long after its last sync a community is no longer
// called up to date: with a member's node connected, anti-entropy syncs
// every few seconds (one random peer at a time), and on every connection.
const staleAfter = 15 * time.Minute

const connectHint = " It will sync as soon as one is online; you can also connect to a member's address below."

// explainSync says where sync stands for community c, and when it does not
// sync, why: from its sync state, this node's standing in it, the
// connected peers and the time.
//
// The node reports no per-community peer list, so "no member connected"
// is inferred: no peer at all, or peers that never synced the community
// with this node (sync runs within seconds of connecting to a member).
func explainSync(c api.Community, peers []api.Peer, now time.Time) syncExplanation {
	st := c.Sync
	synced, last := "", "" // "synced 2 min ago with peer …", and as a sentence
	if st.LastSync != 0 {
		synced = fmt.Sprintf("synced %s with peer %s", timeAgo(now.Sub(time.UnixMilli(st.LastSync))), shortPeer(st.LastPeer))
		last = "Last " + synced + "."
	}
	direct := 0
	for _, p := range peers {
		if !p.Relayed {
			direct++
		}
	}
	waiting := func(detail string) syncExplanation {
		return syncExplanation{State: "waiting", Headline: "Not synced", Detail: detail}
	}
	switch {
	case st.InProgress:
		e := syncExplanation{State: "syncing", Headline: "Syncing now"}
		switch {
		case st.Missing > 0:
			e.Detail = fmt.Sprintf("%d of %d missing records fetched.", st.Fetched, st.Missing)
		case st.Fetched > 0:
			e.Detail = fmt.Sprintf("%s fetched so far.", countRecords(st.Fetched))
		default:
			e.Detail = "comparing this node's records with a member's node."
		}
		return e
	case c.InviteOnly && c.Standing == "removed":
		return syncExplanation{State: "refused", Headline: "Not synced",
			Detail: sentences("a moderator removed you from this community, so members' nodes no longer share its records with this node.", last)}
	case c.InviteOnly && c.Standing == "none":
		return syncExplanation{State: "refused", Headline: "Not synced",
			Detail: "you are not admitted. Members' nodes share an invite-only community only with members' nodes, and your join has not been accepted: " +
				"the invite may be used up, expired or revoked, or no member's node has received your join yet (or the join was interrupted). " +
				"Run the join again with the same code, or ask a moderator for a new invite."}
	case st.LastError != "":
		return syncExplanation{State: "failed", Headline: "Last sync failed",
			Detail: sentences(syncErrorWords(st.LastError)+". It will be tried again by itself, less often while it keeps failing.", lastGoodSync(st, now)),
			Error:  st.LastError}
	case c.Members == 1 && last == "" && (c.Standing == "founder" || c.Standing == "moderator" || c.Standing == "member"):
		// Nobody to sync with is no failure: say what would change it.
		return syncExplanation{State: "alone", Headline: "Only you so far",
			Detail: "you are its only member, so there is no one to sync with yet. Invite someone (Moderation, Create invite), or join it from another device of yours: their node and this one then sync by themselves."}
	case len(peers) == 0 && last == "":
		return waiting("no member of this community is connected." + connectHint)
	case len(peers) == 0:
		return syncExplanation{State: "waiting", Headline: "Not syncing now",
			Detail: sentences("no peer is connected, so nothing new arrives.", last, "It will sync again as soon as a member of this community is online; you can also connect to a member's address below.")}
	case direct == 0:
		return waiting(sentences("this node reaches its peers only through relays, and no records flow over a relayed connection: "+
			"it syncs once a direct connection opens (the relay helps set one up). You can also connect to a member's address below.", last))
	case last == "":
		return waiting(fmt.Sprintf("none of the %s has synced this community with this node, so no member of it seems to be connected "+
			"(sync starts within seconds of connecting to one).", countPeers(len(peers))) + connectHint)
	case now.Sub(time.UnixMilli(st.LastSync)) > staleAfter:
		return syncExplanation{State: "waiting", Headline: "Not synced for " + strings.TrimSuffix(timeAgo(now.Sub(time.UnixMilli(st.LastSync))), " ago"),
			Detail: "last " + synced + ", and no connected peer has synced it since, so no member of this community seems to be connected now." + connectHint}
	default:
		e := syncExplanation{State: "ok", Headline: "Up to date", Detail: "last " + synced + "."}
		if st.Fetched > 0 {
			e.Detail += fmt.Sprintf(" That sync brought %s.", countRecords(st.Fetched))
		}
		return e
	}
}

// lastGoodSync says when the last successful sync was, if there was one.
func lastGoodSync(st api.SyncState, now time.Time) string {
	if st.LastSync == 0 {
		return "It has not synced successfully since this node started."
	}
	return fmt.Sprintf("The last successful sync was %s, with peer %s.", timeAgo(now.Sub(time.UnixMilli(st.LastSync))), shortPeer(st.LastPeer))
}

// syncErrorWords turns a sync error into words a person understands.
func syncErrorWords(err string) string {
	e := strings.ToLower(err)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(e, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("deadline exceeded", "timeout", "timed out"):
		return "the other node took too long to answer"
	case has("protocol not supported", "protocols not supported", "failed to negotiate"):
		return "the other node does not speak this version of Kith's sync"
	case has("context canceled"):
		return "it was stopped before it finished (this node or the other was shutting down)"
	case has("reset", "broken pipe", "connection closed", "closed network connection"):
		return "the connection was cut off in the middle"
	case has("eof"):
		return "the other node hung up before the sync was finished"
	case has("malformed", "invalid", "does not converge", "did not offer", "unexpected frame", "too large", "exceeds", "limit"):
		return "the other node sent something this node could not accept (another Kith version, or a faulty node)"
	case has("no space", "disk", "badger", "store"):
		return "this node could not store what it received (is the disk full?)"
	default:
		return "an unexpected error"
	}
}

// timeAgo says how long ago something happened, for people.
func timeAgo(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds ago", int(d/time.Second))
	case d < 2*time.Minute:
		return "1 min ago"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 2*time.Hour:
		return "1 hour ago"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

// shortPeer is the start and end of a peer id: enough to tell peers apart
// (every peer id starts alike).
func shortPeer(p string) string {
	if len(p) <= 20 {
		return p
	}
	return p[:8] + "…" + p[len(p)-6:]
}

func countRecords(n int) string {
	if n == 1 {
		return "1 record"
	}
	return fmt.Sprintf("%d records", n)
}

func countPeers(n int) string {
	if n == 1 {
		return "1 connected peer"
	}
	return fmt.Sprintf("%d connected peers", n)
}

// sentences joins sentences, leaving out empty ones.
func sentences(sentences ...string) string {
	var out []string
	for _, s := range sentences {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

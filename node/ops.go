package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// The operations behind the local API. Each record the member makes is
// signed, stored durably (store.Put), then published.

// now is the creation time of a record the member makes: the clock in
// milliseconds, but always later than the last one this node gave, so
// that of two records made in one millisecond (an accept and another,
// two edits) the second is the newer everywhere, rather than whichever
// id sorts higher.
func (n *Node) now() int64 {
	for {
		last := n.lastCreated.Load()
		t := max(time.Now().UnixMilli(), last+1)
		if n.lastCreated.CompareAndSwap(last, t) {
			return t
		}
	}
}

// publish makes, stores and publishes a record of the member's.
func (n *Node) publish(ctx context.Context, community protocol.ID, refs protocol.Refs, body protocol.Body) (*protocol.Record, error) {
	r, err := protocol.Sign(n.id.Member, community, n.now(), refs, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", api.ErrBadRequest, memberFacing(err))
	}
	out, err := n.store.Put(ctx, r)
	if errors.Is(err, store.ErrDiskFull) {
		return nil, fmt.Errorf("%w: %w", api.ErrUnavailable, err) // nothing was written; the member can free space and retry
	}
	if err != nil {
		return nil, err
	}
	n.stored([]*protocol.Record{r}, []store.Outcome{out}, "local")
	if r.Header.Kind == protocol.KindCommunity {
		// A community's topic is named after its genesis: no one can
		// listen on it before it exists. Members get it with their invite.
		return r, nil
	}
	if err := n.gossip.Publish(ctx, r); err != nil {
		// Stored is what matters: sync delivers it later.
		n.log.Warn("publish record", "id", r.ID(), "err", err)
	}
	return r, nil
}

// memberFacing shortens the error of a record the member's own input made
// invalid to what they can act on ("title is 400 characters, the limit is
// 200"), dropping the signing and validation layers' prefixes; the rule
// stays matchable with errors.Is.
func memberFacing(err error) error {
	var perr *protocol.Error
	if errors.As(err, &perr) && perr.Detail != "" {
		return plainError{perr}
	}
	return err
}

// plainError is a validation error that prints as its detail alone.
type plainError struct{ err *protocol.Error }

func (e plainError) Error() string {
	if e.err.Rule == protocol.RuleBodyLength {
		// "body" is the encoded record body, not the text alone.
		return "too long: " + e.err.Detail + " (the text, title and tags together, encoded)"
	}
	return e.err.Detail
}
func (e plainError) Unwrap() error { return e.err }

// aOrAn puts the indefinite article before a kind's name, for messages
// ("an event", "a post").
func aOrAn(name any) string {
	s := fmt.Sprint(name)
	if k, ok := name.(protocol.Kind); ok {
		s = api.KindWord(k.String())
	}
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// Status implements api.Backend.
func (n *Node) Status(ctx context.Context) (api.Status, error) {
	cs, err := n.Communities(ctx)
	return api.Status{
		ID:          n.peerID.String(),
		MemberKey:   n.id.MemberKey(),
		PeerID:      n.peerID.String(),
		Addresses:   n.Addrs(),
		Communities: cs,
		Peers:       len(n.host.Network().Peers()),
		Clock:       n.clockStatus(),
		Runtime:     runtimeStats(),
	}, err
}

// Peers implements api.Backend.
func (n *Node) Peers(ctx context.Context) ([]api.Peer, error) {
	out := []api.Peer{}
	owners := n.deviceOwners(ctx)
	for _, p := range n.host.Network().Peers() {
		conns := n.host.Network().ConnsToPeer(p)
		ap := api.Peer{PeerID: p.String(), Relayed: relayedOnly(conns), Addresses: connAddrs(conns)}
		if s, ok := n.gossip.Score(p); ok {
			ap.GossipScore = &s
		}
		if m, ok := owners[p]; ok {
			ap.Member, ap.MemberName = &m.Key, m.Name
		}
		out = append(out, ap)
	}
	return out, nil
}

// connAddrs are the remote addresses of conns, each once: two
// connections can share an address (with port reuse, a connection the
// peer dialled comes from its listening port, the same address as the
// one this node dialled).
func connAddrs(conns []network.Conn) []string {
	var out []string
	for _, c := range conns {
		out = append(out, c.RemoteMultiaddr().String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// maxOwnerScan bounds the members read, per community, to name peers.
const maxOwnerScan = 5000

// deviceOwners maps the nodes members vouch for (their device records)
// to the members, from the communities held here: a peer is then named
// for people, not by its id alone.
func (n *Node) deviceOwners(ctx context.Context) map[peer.ID]store.MemberView {
	out := make(map[peer.ID]store.MemberView)
	for _, c := range n.store.Communities() {
		read := 0
		store.EachPage(func(cursor string, limit int) (store.Page[store.MemberView], error) {
			return n.store.Members(ctx, c, cursor, limit)
		}, func(m store.MemberView) error {
			if read++; read > maxOwnerScan {
				return errFound // enough: stop
			}
			for _, d := range m.Devices {
				if _, ok := out[peer.ID(d)]; !ok || m.Name != "" {
					out[peer.ID(d)] = m
				}
			}
			return nil
		})
	}
	return out
}

// Connect implements api.Backend.
func (n *Node) Connect(ctx context.Context, addr string) (api.Peer, error) {
	ma, err := multiaddr.NewMultiaddr(addr)
	if err != nil {
		return api.Peer{}, fmt.Errorf("%w: address %q: %w", api.ErrBadRequest, addr, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(ma)
	if err != nil {
		return api.Peer{}, fmt.Errorf("%w: address %q must end in /p2p/<peer id>: %w", api.ErrBadRequest, addr, err)
	}
	if info.ID == n.peerID {
		return api.Peer{}, fmt.Errorf("%w: %s is this node's own address: give another node's", api.ErrBadRequest, addr)
	}
	if n.host.Network().Connectedness(info.ID) == network.Connected {
		// libp2p would say nothing and dial nothing: say so, rather than
		// "connected" for an address that was never tried.
		n.host.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.AddressTTL) // an hour, for the next dial
		return api.Peer{PeerID: info.ID.String(), AlreadyConnected: true, Addresses: connAddrs(n.host.Network().ConnsToPeer(info.ID))}, nil
	}
	if err := n.host.Connect(ctx, *info); err != nil {
		return api.Peer{}, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return api.Peer{PeerID: info.ID.String(), Addresses: []string{addr}}, nil
}

// CreateCommunity implements api.Backend.
func (n *Node) CreateCommunity(ctx context.Context, req api.CreateCommunityRequest) (protocol.ID, error) {
	policy := protocol.JoinOpen
	if req.InviteOnly {
		policy = protocol.JoinInvite
	}
	g, err := n.publish(ctx, protocol.ID{}, protocol.Refs{}, &protocol.Community{Name: req.Name, Domain: req.Domain, Charter: req.Charter, Policy: policy})
	if err != nil {
		return protocol.ID{}, err
	}
	if err := n.enter(ctx, g.ID()); err != nil {
		return protocol.ID{}, err
	}
	n.carryProfile(ctx, g.ID())
	return g.ID(), nil
}

// enter subscribes to a community the member now belongs to and vouches
// for this node in it, so that members' nodes let it in.
func (n *Node) enter(ctx context.Context, community protocol.ID) error {
	if err := n.gossip.Join(community); err != nil {
		return fmt.Errorf("subscribe to %s: %w", community, err)
	}
	_, err := n.device(ctx, community)
	return err
}

// device publishes this node's device record in a community.
func (n *Node) device(ctx context.Context, community protocol.ID) (*protocol.Record, error) {
	return n.publish(ctx, community, protocol.Refs{}, &protocol.Device{PeerID: []byte(n.peerID), Name: n.deviceName(ctx)})
}

// admitted counts a community's members admitted now (the member list
// shows the removed too, marked so; a count of members is of the others).
func admitted(m *protocol.Membership) int {
	k := 0
	for _, mb := range m.Members() {
		if mb.Standing.Admitted() {
			k++
		}
	}
	return k
}

// Communities implements api.Backend.
func (n *Node) Communities(ctx context.Context) ([]api.Community, error) {
	out := []api.Community{}
	for _, id := range n.store.Communities() {
		m := n.store.Membership(id)
		if m == nil || m.Genesis == nil {
			continue // records of a community whose genesis we lack
		}
		digest, count := n.store.Fingerprint(id, protocol.Position{}, protocol.MaxPosition)
		out = append(out, api.Community{
			ID:         id,
			Name:       m.Genesis.Name,
			Domain:     m.Genesis.Domain,
			Charter:    m.Genesis.Charter,
			InviteOnly: m.Genesis.Policy == protocol.JoinInvite,
			Members:    admitted(m),
			Standing:   m.Standing(n.id.MemberKey()).String(),
			Records:    count,
			Unshared:   n.unsharedCount(ctx, id, m),
			Digest:     digest.String(),
			Sync:       n.syncJSON(id),
		})
	}
	// By name, as people look for them (then by id, for a stable order).
	slices.SortFunc(out, func(a, b api.Community) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return a.ID.Compare(b.ID)
	})
	return out, nil
}

// community returns a community's membership, or a not-found error.
func (n *Node) community(id protocol.ID) (*protocol.Membership, error) {
	m := n.store.Membership(id)
	if m == nil || m.Genesis == nil {
		// An id of something else, given where a community's belongs.
		if e, err := n.store.Get(n.ctx, id); err == nil && e.Record.Header.Kind != protocol.KindCommunity {
			return nil, fmt.Errorf("%w: %s is %s in community %s, not a community", api.ErrBadRequest, id, aOrAn(e.Record.Header.Kind), e.Record.Community())
		}
		return nil, fmt.Errorf("%w: this node holds no community %s", api.ErrNotFound, id)
	}
	return m, nil
}

// Invite implements api.Backend.
func (n *Node) Invite(ctx context.Context, community protocol.ID, req api.InviteRequest) (api.InviteCode, error) {
	m, err := n.community(community)
	if err != nil {
		return api.InviteCode{}, err
	}
	genesis, err := n.store.Get(ctx, community)
	if err != nil {
		return api.InviteCode{}, err
	}
	inv := &Invite{Genesis: genesis.Record}
	for _, a := range n.host.Addrs() {
		full, err := multiaddr.NewMultiaddr(a.String() + "/p2p/" + n.peerID.String())
		if err == nil {
			inv.Addrs = append(inv.Addrs, full)
		}
	}
	out := api.InviteCode{Community: community}
	if req.Device {
		// The genesis and this node's addresses: enough for a device of
		// an admitted member, whose join needs no invite, to vouch for
		// itself and fetch the history; nothing for anyone else.
		if !m.Standing(n.id.MemberKey()).Admitted() {
			return api.InviteCode{}, fmt.Errorf("%w: you are not an admitted member of this community", api.ErrForbidden)
		}
	} else if m.Genesis.Policy == protocol.JoinInvite {
		if !m.Standing(n.id.MemberKey()).Moderates() {
			return api.InviteCode{}, fmt.Errorf("%w: only moderators can invite to an invite-only community, and you are a %s of it (for another device of yours: --device)",
				api.ErrForbidden, m.Standing(n.id.MemberKey()))
		}
		ttl := 7 * 24 * time.Hour
		if req.Expires != "" {
			if ttl, err = parseValidity(req.Expires); err != nil {
				return api.InviteCode{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
			}
		}
		uses := req.Uses
		if uses == 0 {
			uses = 1
		}
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return api.InviteCode{}, err
		}
		expires := n.now() + ttl.Milliseconds()
		r, err := n.publish(ctx, community, protocol.Refs{}, &protocol.Invite{Key: protocol.PublicKeyOf(key), Expires: expires, MaxUses: uses,
			Label: strings.TrimSpace(req.Label)})
		if err != nil {
			return api.InviteCode{}, err
		}
		inv.Invite, inv.Key = r, key
		out.Invite, out.Expires = r.ID(), expires
	}
	if inv.Invite == nil && (req.Uses != 0 || req.Expires != "" || req.Label != "") {
		// Silently ignored, they would promise a limit no node enforces,
		// or a label no list shows.
		if req.Device {
			return api.InviteCode{}, fmt.Errorf("%w: a device code admits no one new, so it has no limit of uses or time, and no label", api.ErrBadRequest)
		}
		return api.InviteCode{}, fmt.Errorf("%w: community %s is open: anyone with a code may join, so a code has no limit of uses or time, "+
			"and no invite to label (limits and labels apply to invite-only communities)", api.ErrBadRequest, m.Genesis.Name)
	}
	if out.Code, err = EncodeInvite(inv); err != nil {
		return api.InviteCode{}, err
	}
	return out, nil
}

// Join implements api.Backend: it signs the member's join (with the
// invite's proof), connects to the inviter, hands it the join and this
// node's device record, fetches the community's history, stores the
// code's records with it, and subscribes.
func (n *Node) Join(ctx context.Context, code string) (protocol.ID, error) {
	inv, err := ParseInvite(code, time.Now())
	if err != nil {
		return protocol.ID{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	community := inv.Community()
	// A community this node forgot comes back whole by joining it again.
	n.store.Remember(community)
	given := []*protocol.Record{inv.Genesis}
	if inv.Invite != nil {
		given = append(given, inv.Invite)
	}
	// The code's records, too, are stored only once a member's node took
	// the join: a join that fails leaves no community behind, listed with
	// no standing and no history.
	m := n.store.Membership(community)
	if m == nil || m.Genesis == nil {
		m = protocol.ResolveMembership(community, given)
	}
	// The member's join and this node's device record are signed here but
	// stored only once a member's node has taken them and served the
	// history: a join that no member's node accepted (the inviter
	// offline, the invite used up) must leave no standing behind, or this
	// node would see itself admitted on its own copy alone, write records
	// no one takes, and serve that copy to the member's other devices.
	me := n.id.MemberKey()
	mine := []*protocol.Record{}
	before := m.Standing(me)
	if !before.Admitted() {
		join := &protocol.Join{}
		refs := protocol.Refs{}
		if inv.Invite != nil {
			join.InviteKey = protocol.PublicKeyOf(inv.Key)
			join.InviteProof = protocol.InviteProof(inv.Key, community, me)
			refs.Target = inv.Invite.ID()
		}
		r, err := protocol.Sign(n.id.Member, community, max(n.now(), inv.Genesis.Header.Created+1), refs, join)
		if err != nil {
			return protocol.ID{}, err
		}
		mine = append(mine, r)
	} else if admitted := m.AdmittedBy(me); !admitted.IsZero() && admitted != community {
		// Already admitted here: hand over the join that did it again,
		// for a member's node that has not seen it yet.
		if e, err := n.store.Get(ctx, admitted); err == nil {
			mine = append(mine, e.Record)
		}
	}
	dev, err := protocol.Sign(n.id.Member, community, n.now(), protocol.Refs{}, &protocol.Device{PeerID: []byte(n.peerID), Name: n.deviceName(ctx)})
	if err != nil {
		return protocol.ID{}, err
	}
	mine = append(mine, dev)
	// Meet a member's node: hand over our records, fetch the history.
	// First the inviter, whose copy admitted the invite, then those this
	// node is connected to directly and that are in the community's topic
	// (an organisation's anchor, a neighbour on the LAN), then members
	// found on the Kith DHT.
	submit := append(given, mine...)
	var candidates []peer.AddrInfo
	for _, a := range inv.Addrs { // one candidate per peer, with all its addresses
		info, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil || info.ID == n.peerID {
			continue
		}
		if i := slices.IndexFunc(candidates, func(c peer.AddrInfo) bool { return c.ID == info.ID }); i >= 0 {
			candidates[i].Addrs = append(candidates[i].Addrs, info.Addrs...)
		} else {
			candidates = append(candidates, *info)
		}
	}
	for _, p := range n.gossip.Peers(community) {
		if !relayedOnly(n.host.Network().ConnsToPeer(p)) && !slices.ContainsFunc(candidates, func(c peer.AddrInfo) bool { return c.ID == p }) {
			candidates = append(candidates, peer.AddrInfo{ID: p})
		}
	}
	reached, lastErr := n.meet(ctx, slices.Values(candidates), community, submit)
	if !reached {
		var err error
		var refused *peerRefusal
		if reached, err = n.meet(ctx, n.findMembers(ctx, community), community, submit); err != nil && !errors.As(lastErr, &refused) {
			lastErr = err // a refusal found first says more than a peer not reached
		}
	}
	if !reached {
		why := ""
		if lastErr != nil {
			why = ": " + lastErr.Error()
		}
		var refused *peerRefusal
		switch {
		case before == protocol.StandingRemoved:
			// Members' nodes refuse a removed member's: no new code helps.
			return protocol.ID{}, fmt.Errorf("%w: %s", api.ErrForbidden, removedMessage)
		case before.Admitted():
			return protocol.ID{}, fmt.Errorf("%w: you are a member already, and stay one; this node could not reach a member's node to announce itself%s", api.ErrUnavailable, why)
		case errors.As(lastErr, &refused) && refused.retry:
			return protocol.ID{}, fmt.Errorf("%w: the member's node %s cannot take your join yet: %s", api.ErrUnavailable, refused.peer, refused.why)
		case errors.As(lastErr, &refused):
			return protocol.ID{}, fmt.Errorf("%w: you are not a member yet: the member's node %s refused your join: %s", api.ErrForbidden, refused.peer, refused.why)
		}
		return protocol.ID{}, fmt.Errorf("%w: you are not a member yet: no member's node could be reached (the inviter's node is offline, "+
			"and no other member's was found); try again later%s", api.ErrUnavailable, why)
	}
	// A member's node took the join: from here on, the rest is this
	// node's own bookkeeping, done whole even if the member gives up
	// waiting (a join stopped here left a member's node off the
	// community's topic), until the node stops; as a task of the node,
	// which Close waits for before it closes the store.
	var id protocol.ID
	var joinErr error
	if !n.tasks.Run(func() { id, joinErr = n.finishJoin(n.stopping(), community, given, mine) }) {
		return protocol.ID{}, fmt.Errorf("%w: the node is stopping", api.ErrUnavailable)
	}
	return id, joinErr
}

// stopping is a context that ends when the node begins to stop (its API
// first), not when an API request's caller goes away.
func (n *Node) stopping() context.Context {
	if n.apiCtx != nil {
		return n.apiCtx
	}
	return n.ctx
}

// finishJoin stores the code's records and this node's own once a
// member's node took the join, and starts replicating the community.
func (n *Node) finishJoin(ctx context.Context, community protocol.ID, given, mine []*protocol.Record) (protocol.ID, error) {
	me := n.id.MemberKey()
	// The history served holds them; put them here (the member's own
	// durably) in case a peer's copy lacked any.
	if err := n.ingest(ctx, given, "invite"); err != nil {
		return protocol.ID{}, err
	}
	for _, r := range mine {
		out, err := n.store.Put(ctx, r)
		if err != nil {
			return protocol.ID{}, err
		}
		n.stored([]*protocol.Record{r}, []store.Outcome{out}, "local")
	}
	switch st := n.store.Membership(community).Standing(me); {
	case st == protocol.StandingRemoved:
		// The history came, and with it the removal: the join changed nothing.
		return protocol.ID{}, fmt.Errorf("%w: %s", api.ErrForbidden, removedMessage)
	case !st.Admitted():
		return protocol.ID{}, fmt.Errorf("%w: a member's node shared the community, but by its records your join does not admit you "+
			"(the invite may be used up): ask for a new code", api.ErrForbidden)
	}
	if err := n.gossip.Join(community); err != nil {
		return protocol.ID{}, err
	}
	// Publish our records live too, once the topic has peers.
	n.waitTopicPeers(ctx, community, 5*time.Second)
	n.carryProfile(ctx, community)
	// Remember who let us in now, not at the next minute's save: a node
	// that crashes before then would find no one when it starts again.
	if err := n.savePeerBook(); err != nil {
		n.log.Warn("save the peer book", "err", err)
	}
	for _, r := range mine {
		if err := n.gossip.Publish(ctx, r); err != nil {
			n.log.Warn("publish record", "id", r.ID(), "err", err)
		}
	}
	return community, nil
}

// meet connects to the first of peers that answers, hands it our records
// and fetches the community's history from it. If none does, the error is
// the first refusal (the inviter is asked first: its reason is the one
// to read), else the last failure.
func (n *Node) meet(ctx context.Context, peers iter.Seq[peer.AddrInfo], community protocol.ID, submit []*protocol.Record) (bool, error) {
	var lastErr, refusal error
	// A big community's history takes minutes: its count so far is the
	// join's progress, shown as the community's sync.
	progress := func(stored int) {
		n.syncs.update(community, func(st *SyncStatus) { st.InProgress, st.Fetched, st.Missing = true, stored, 0 })
	}
	defer n.syncs.update(community, func(st *SyncStatus) { st.InProgress = false })
	for p := range peers {
		// Reaching a peer is bounded here; the fetch, which may take
		// minutes, by its progress.
		cctx, cancel := context.WithTimeout(ctx, meetConnectTimeout)
		err := n.host.Connect(cctx, p)
		cancel()
		if err != nil {
			lastErr = err
			continue
		}
		if err := n.fetch(ctx, p.ID, community, 0, submit, progress); err != nil {
			var r *peerRefusal
			if errors.As(err, &r) && refusal == nil {
				refusal = err
			}
			lastErr = err
			continue
		}
		// The whole history came: as good as a sync, and to say so.
		n.syncs.update(community, func(st *SyncStatus) { st.LastSync, st.LastPeer, st.LastError = time.Now(), p.ID, "" })
		return true, nil
	}
	if refusal != nil {
		return false, refusal
	}
	return false, lastErr
}

// meetConnectTimeout bounds dialling one peer a join may fetch from.
const meetConnectTimeout = 30 * time.Second

// waitTopicPeers waits until a community's topic has a peer, or timeout.
func (n *Node) waitTopicPeers(ctx context.Context, community protocol.ID, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for len(n.gossip.Peers(community)) == 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *Node) syncJSON(c protocol.ID) api.SyncState {
	st := n.SyncStatus(c)
	out := api.SyncState{InProgress: st.InProgress, Fetched: st.Fetched, Missing: st.Missing, LastError: st.LastError}
	if !st.LastSync.IsZero() {
		out.LastSync, out.LastPeer = st.LastSync.UnixMilli(), st.LastPeer.String()
	}
	return out
}

// SyncCommunity implements api.Backend: a sync session with every peer in
// the community's topic, in the background unless wait.
func (n *Node) SyncCommunity(ctx context.Context, community protocol.ID, wait bool) (api.SyncAnswer, error) {
	if _, err := n.community(community); err != nil {
		return api.SyncAnswer{}, err
	}
	peers := n.gossip.Peers(community)
	if m := n.store.Membership(community); len(peers) == 0 && m != nil && m.Genesis != nil && m.Genesis.Policy == protocol.JoinInvite &&
		m.Standing(n.id.MemberKey()) == protocol.StandingRemoved {
		return api.SyncAnswer{}, fmt.Errorf("%w: a moderator removed you from this community, and members' nodes no longer share it with this node (kith community log says why)", api.ErrNotFound)
	}
	if connected := len(n.host.Network().Peers()); len(peers) == 0 && connected > 0 {
		are := fmt.Sprintf("%d peers are", connected)
		if connected == 1 {
			are = "1 peer is"
		}
		return api.SyncAnswer{}, fmt.Errorf("%w: %s connected, but none shares this community with this node: none is a member's node of it, or those that are refuse this one (kith logs says why)",
			api.ErrNotFound, are)
	}
	if len(peers) == 0 {
		return api.SyncAnswer{}, fmt.Errorf("%w: no peer of this community is connected: connect to one (kith connect) or wait for discovery", api.ErrNotFound)
	}
	ans := api.SyncAnswer{Community: community}
	run := func(ctx context.Context) {
		for _, p := range peers {
			res, err := n.syncWith(ctx, p, community)
			for errors.Is(err, errSyncBusy) && ctx.Err() == nil {
				// A session with this peer is running (the node's own
				// catch-up, or one the peer started): the member asked
				// for one now, so it runs once that one ends.
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
				res, err = n.syncWith(ctx, p, community)
			}
			r := api.SyncResult{Peer: p.String()}
			for _, x := range res {
				r.Fetched, r.Sent, r.Rounds, r.Bytes = x.Fetched, x.Sent, x.Rounds, x.Bytes
			}
			switch {
			case err != nil:
				r.Error = err.Error()
			case len(res) == 0:
				// The peer left the community out of its accept.
				r.Error = "this peer does not share the community with this node: it does not hold it, " +
					"or does not count this node as a member's (it may have missed your join, or your removal reached this node)"
			}
			ans.Results = append(ans.Results, r)
		}
	}
	if wait {
		run(ctx)
		return ans, nil
	}
	n.tasks.Go(func() { run(n.ctx) })
	ans.Started = true
	return ans, nil
}

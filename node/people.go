package node

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// People: profiles, members, and who knows about a topic.

// SetProfile implements api.Backend: the member's profile, published in
// every community where the member is admitted.
func (n *Node) SetProfile(ctx context.Context, req api.ProfileRequest) (api.ProfileAnswer, error) {
	expertise, err := normalizeTags(req.Expertise)
	if err != nil {
		return api.ProfileAnswer{}, err
	}
	body := &protocol.Profile{Name: req.Name, Org: req.Org, Expertise: expertise, Bio: req.Bio}
	out := api.ProfileAnswer{Communities: []protocol.ID{}}
	n.profileMu.Lock()
	defer n.profileMu.Unlock()
	for _, c := range n.store.Communities() {
		if _, err := n.member(c); err != nil {
			continue
		}
		if _, err := n.publish(ctx, c, protocol.Refs{}, body); err != nil {
			if errors.Is(err, api.ErrBadRequest) {
				return out, err // the profile itself is refused: the same everywhere
			}
			return out, fmt.Errorf("publish the profile in community %s: %w", c, err)
		}
		out.Communities = append(out.Communities, c)
	}
	if len(out.Communities) == 0 {
		if held := len(n.store.Communities()); held > 0 {
			// Not admitted yet, or removed: no first community to come
			// would take it, and a later admission publishes nothing.
			return out, fmt.Errorf("%w: you are a member of none of the %d communities this node holds (not admitted yet, or removed): "+
				"a profile is published in your communities", api.ErrBadRequest, held)
		}
		// Checked as a peer would (signed for a stand-in community: what is
		// checked is the body), then kept for the first community the
		// member creates or joins (carryProfile).
		if _, err := protocol.Sign(n.id.Member, protocol.ID(n.id.MemberKey()), n.now(), protocol.Refs{}, body); err != nil {
			return out, fmt.Errorf("%w: %w", api.ErrBadRequest, memberFacing(err))
		}
		out.Kept = true
	}
	// Kept whenever set: what this device last set is the profile a new
	// community gets when no published one is found.
	if err := n.keepProfile(body); err != nil {
		if out.Kept {
			return out, err
		}
		n.log.Warn("keep the profile for communities to come", "err", err)
	}
	return out, nil
}

// A profile set before the member is admitted to any community (a
// newcomer filling in the settings page first) is kept in the home and
// published in the first community they create or join: it was refused,
// and the newcomer then known by a key until they set it again.

// keepProfile writes p to the home's ProfileFile.
func (n *Node) keepProfile(p *protocol.Profile) error {
	b, err := json.Marshal(api.ProfileRequest{Name: p.Name, Org: p.Org, Expertise: p.Expertise, Bio: p.Bio})
	if err != nil {
		return err
	}
	if err := writePrivate(filepath.Join(n.cfg.Home.Dir, home.ProfileFile), string(b)+"\n"); err != nil {
		return fmt.Errorf("keep the profile: %w", err)
	}
	return nil
}

// keptProfile is the profile keepProfile kept, or nil. A file that does
// not read as one (edited by hand) is said in the log and ignored.
func (n *Node) keptProfile() *protocol.Profile {
	path := filepath.Join(n.cfg.Home.Dir, home.ProfileFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var req api.ProfileRequest
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	if err != nil {
		n.log.Warn("the profile kept for your first community is unreadable: not published", "file", path, "err", err)
		return nil
	}
	return &protocol.Profile{Name: req.Name, Org: req.Org, Expertise: req.Expertise, Bio: req.Bio}
}

func memberJSON(v store.MemberView) api.Member {
	return api.Member{Key: v.Key, Standing: v.Standing.String(), Name: v.Name, Org: v.Org, Expertise: v.Expertise, Bio: v.Bio}
}

// Members implements api.Backend.
func (n *Node) Members(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Members, error) {
	if _, err := n.community(community); err != nil {
		return api.Members{}, err
	}
	page, err := n.store.Members(ctx, community, cursor, limit)
	if errors.Is(err, store.ErrBadCursor) {
		return api.Members{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	if err != nil {
		return api.Members{}, err
	}
	out := api.Members{Items: []api.Member{}, Next: page.Next}
	for _, v := range page.Items {
		out.Items = append(out.Items, memberJSON(v))
	}
	return out, nil
}

// maxExpertThreads bounds the threads with a tag that Experts reads.
const maxExpertThreads = 1000

// Experts implements api.Backend: the admitted members with evidence of
// knowing about a tag, best first: accepted answers in threads with the
// tag (5 each), having declared it as expertise (3), helpful reactions to
// their posts and replies in those threads (1 each).
func (n *Node) Experts(ctx context.Context, community protocol.ID, tag string) ([]api.Expert, error) {
	if _, err := n.community(community); err != nil {
		return nil, err
	}
	tag = protocol.NormalizeTag(tag)
	if tag == "" {
		return nil, fmt.Errorf("%w: give a topic (a tag)", api.ErrBadRequest)
	}
	experts := make(map[protocol.PublicKey]*api.Expert)
	var order []protocol.PublicKey
	for cursor := ""; ; {
		page, err := n.store.Members(ctx, community, cursor, store.MaxLimit)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Items {
			if v.Standing.Admitted() {
				experts[v.Key] = &api.Expert{Member: memberJSON(v), Declared: slices.Contains(v.Expertise, tag)}
				order = append(order, v.Key)
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	read := 0
	for cursor := ""; read < maxExpertThreads; {
		page, err := n.store.Threads(ctx, community, store.Newest, store.ThreadFilter{Tag: tag}, cursor, store.MaxLimit)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Items {
			read++
			if e := experts[v.Author]; e != nil {
				e.Helpful += v.Reactions.Helpful
			}
			if len(v.ReplyReactions) == 0 && v.Accepted.IsZero() {
				continue
			}
			d, err := n.store.Thread(ctx, community, v.Post, "", store.MaxLimit)
			if err != nil {
				continue // gone meanwhile
			}
			for _, r := range d.Replies {
				if e := experts[r.Record.Header.Author]; e != nil {
					e.Helpful += v.ReplyReactions[r.Record.ID()].Helpful
				}
			}
			// Accepting one's own answer (an asker's, or a moderator's in
			// another's thread) says nothing of one's expertise, as
			// reactions to one's own records do not. Views stored before
			// they kept who accepted know only the asker.
			accepter := v.AcceptedBy
			if accepter.IsZero() {
				accepter = v.Author
			}
			if d.Accepted != nil && d.Accepted.Record.Header.Author != accepter {
				if e := experts[d.Accepted.Record.Header.Author]; e != nil {
					e.Accepted++
				}
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	out := []api.Expert{}
	for _, k := range order {
		e := experts[k]
		e.Score = 5*e.Accepted + e.Helpful
		if e.Declared {
			e.Score += 3
		}
		if e.Score > 0 {
			out = append(out, *e)
		}
	}
	slices.SortStableFunc(out, func(a, b api.Expert) int { return cmp.Compare(b.Score, a.Score) })
	return out, nil
}

// Profile implements api.Backend: the member's current profile, the
// newest they published in any community (ErrNotFound if none).
func (n *Node) Profile(ctx context.Context) (api.ProfileRequest, error) {
	p, _ := n.newestProfile(ctx, protocol.ID{})
	if p == nil {
		p = n.keptProfile()
	}
	if p == nil {
		return api.ProfileRequest{}, fmt.Errorf("%w: you have published no profile yet (kith profile set)", api.ErrNotFound)
	}
	return api.ProfileRequest{Name: p.Name, Org: p.Org, Expertise: p.Expertise, Bio: p.Bio}, nil
}

// newestProfile returns the newest profile the member published in any
// community but except, and when it was made, or nil.
func (n *Node) newestProfile(ctx context.Context, except protocol.ID) (*protocol.Profile, int64) {
	var newest *protocol.Profile
	var at int64
	for _, c := range n.store.Communities() {
		if c == except {
			continue
		}
		if p, created := n.profileIn(ctx, c); p != nil && created > at {
			newest, at = p, created
		}
	}
	return newest, at
}

// profileIn returns the member's profile in force in community and when
// it was made, or nil.
func (n *Node) profileIn(ctx context.Context, community protocol.ID) (*protocol.Profile, int64) {
	v, err := n.store.Member(ctx, community, n.id.MemberKey())
	if err != nil || v.Profile.IsZero() {
		return nil, 0
	}
	e, err := n.store.Get(ctx, v.Profile)
	if err != nil {
		return nil, 0
	}
	p, ok := e.Record.Content().(*protocol.Profile)
	if !ok {
		return nil, 0
	}
	return p, e.Record.Header.Created
}

// carryProfile publishes, in a community just created or joined, the
// member's newest profile from their other communities, or else a profile
// with the display name of the config file: people expect to be known by
// name wherever they go, not by a key until they run `kith profile set`
// again. A profile the member already has there (joined before, from
// another device) is kept unless one elsewhere is newer: a new device
// must not wipe or roll back what the member wrote.
func (n *Node) carryProfile(ctx context.Context, community protocol.ID) {
	n.profileMu.Lock()
	defer n.profileMu.Unlock()
	newest, at := n.newestProfile(ctx, community)
	if p, here := n.profileIn(ctx, community); p != nil && (newest == nil || at <= here) {
		return // the member's own there, as new as any
	}
	if newest == nil {
		newest = n.keptProfile()
	}
	if newest == nil {
		if n.displayName == "" {
			return
		}
		newest = &protocol.Profile{Name: n.displayName}
	}
	if _, err := n.publish(ctx, community, protocol.Refs{}, newest); err != nil {
		n.log.Warn("carry the profile into a community", "community", community, "err", err)
	}
}

// spreadProfiles runs until ctx ends: when a profile of the member's
// arrives from another of their devices (set there, in the communities
// that device holds), it publishes it in the communities held here whose
// profile differs, so that one profile follows the member everywhere.
// A community already showing the same profile gets nothing, so two
// devices spreading at once settle at once.
func (n *Node) spreadProfiles(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.profileCame:
		}
		n.spreadProfile(ctx)
	}
}

// spreadProfile publishes the member's newest profile in each community
// held here whose profile differs.
func (n *Node) spreadProfile(ctx context.Context) {
	n.profileMu.Lock()
	defer n.profileMu.Unlock()
	newest, _ := n.newestProfile(ctx, protocol.ID{})
	if newest == nil {
		return
	}
	for _, c := range n.store.Communities() {
		if _, err := n.member(c); err != nil {
			continue
		}
		if p, _ := n.profileIn(ctx, c); p != nil && sameProfile(p, newest) {
			continue
		}
		if _, err := n.publish(ctx, c, protocol.Refs{}, newest); err != nil && ctx.Err() == nil {
			n.log.Warn("spread the profile to a community", "community", c, "err", err)
		}
	}
}

// sameProfile reports whether two profiles say the same.
func sameProfile(a, b *protocol.Profile) bool {
	return a.Name == b.Name && a.Org == b.Org && a.Bio == b.Bio && slices.Equal(a.Expertise, b.Expertise)
}

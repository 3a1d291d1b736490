package node

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/search"
	"github.com/kith-network/kith/store"
)

// The search documents of each kind of object, derived from the store's
// views: what members see is what they find. An object's documents share
// its "thread" key (the post, note or event id; "member/KEY" for a
// profile), so that those it no longer has can be found and removed.

// objectDocs returns the documents of one object, and the key they share;
// none when the object is gone (deleted, hidden, or never live). For a
// thread, only (if not nil) names the records whose documents alone are
// wanted: the post, or replies (true: a reply new itself).
func objectDocs(ctx context.Context, s *store.Store, c protocol.ID, obj protocol.Object, only map[protocol.ID]bool) (string, map[string]*search.Doc, error) {
	var docs map[string]*search.Doc
	var err error
	key := obj.ID.String()
	switch obj.Type {
	case protocol.ObjectThread:
		if only != nil {
			docs, err = threadPartDocs(ctx, s, c, obj.ID, only)
			break
		}
		docs, err = threadDocs(ctx, s, c, obj.ID)
	case protocol.ObjectNote:
		docs, err = noteDocs(ctx, s, c, obj.ID)
	case protocol.ObjectEvent:
		docs, err = eventDocs(ctx, s, c, obj.ID)
	case protocol.ObjectMember:
		var k protocol.PublicKey
		copy(k[:], obj.ID[:])
		key = profileKey(k)
		docs, err = profileDocs(ctx, s, c, k)
	default:
		return "", nil, nil // control records: nothing to find
	}
	if errors.Is(err, store.ErrNotFound) {
		return key, nil, nil
	}
	return key, docs, err
}

func profileKey(k protocol.PublicKey) string { return "member/" + k.String() }

func ms(t int64) time.Time { return time.UnixMilli(t).UTC() }

func threadDocs(ctx context.Context, s *store.Store, c, post protocol.ID) (map[string]*search.Doc, error) {
	docs := make(map[string]*search.Doc)
	cursor := ""
	for {
		d, err := s.Thread(ctx, c, post, cursor, store.MaxLimit)
		if err != nil {
			return nil, err
		}
		addThreadDocs(docs, c, d, cursor == "")
		if cursor = d.Next; cursor == "" {
			return docs, nil
		}
	}
}

// threadPartDocs returns the documents of a thread's records in only: a
// reply to a thread of thousands costs one document, not thousands.
// Unless the new reply is the accepted answer, come after its accept.
func threadPartDocs(ctx context.Context, s *store.Store, c, post protocol.ID, only map[protocol.ID]bool) (map[string]*search.Doc, error) {
	replies := make([]protocol.ID, 0, len(only))
	for id := range only {
		if id != post {
			replies = append(replies, id)
		}
	}
	d, err := s.ThreadReplies(ctx, c, post, replies)
	if err != nil {
		return nil, err
	}
	if a := d.View.Accepted; !a.IsZero() && only[a] {
		// The accepted answer came after the accept (which waits for
		// it): the post is answered now, and an answer accepted before
		// is not any more.
		return threadDocs(ctx, s, c, post)
	}
	docs := make(map[string]*search.Doc)
	_, withPost := only[post]
	addThreadDocs(docs, c, d, withPost)
	return docs, nil
}

// addThreadDocs adds the documents of d's replies to docs, and its post's
// with withPost.
func addThreadDocs(docs map[string]*search.Doc, c protocol.ID, d store.ThreadDetail, withPost bool) {
	v, post := d.View, d.View.Post
	if withPost {
		doc := &search.Doc{Community: c.String(), Kind: search.KindPost, Thread: post.String(), Record: post.String(),
			Title: v.Title, Tags: v.Tags, Author: v.Author.String(), Created: ms(v.Created),
			Answered: !v.Accepted.IsZero(), Current: true, Helpful: float64(v.Reactions.Helpful)}
		if p, ok := d.Post.Record.Content().(*protocol.Post); ok {
			doc.Body = p.Text
		}
		docs[search.DocID(search.KindPost, post.String())] = doc
	}
	for _, r := range d.Replies {
		id := r.Record.ID()
		shown := r
		if e, ok := d.Versions[id]; ok {
			shown = e
		}
		doc := &search.Doc{Community: c.String(), Kind: search.KindReply, Thread: post.String(), Record: id.String(),
			Title: v.Title, Author: r.Record.Header.Author.String(), Created: ms(r.Record.Header.Created),
			Accepted: id == v.Accepted, Answered: id == v.Accepted, Current: true, Helpful: float64(v.ReplyReactions[id].Helpful)}
		if b, ok := shown.Record.Content().(*protocol.Reply); ok {
			doc.Body = b.Text
		}
		docs[search.DocID(search.KindReply, id.String())] = doc
	}
}

func noteDocs(ctx context.Context, s *store.Store, c, root protocol.ID) (map[string]*search.Doc, error) {
	d, err := s.Note(ctx, c, root)
	if err != nil {
		return nil, err
	}
	docs := make(map[string]*search.Doc)
	for _, e := range d.History {
		id := e.Record.ID()
		body, ok := e.Record.Content().(*protocol.Note)
		if !ok {
			continue // purged
		}
		current := false
		for _, h := range d.View.Heads {
			current = current || h == id
		}
		docs[search.DocID(search.KindNote, id.String())] = &search.Doc{Community: c.String(), Kind: search.KindNote, Thread: root.String(), Record: id.String(),
			Title: body.Title, Body: body.Text, Tags: body.Tags, Author: e.Record.Header.Author.String(),
			Created: ms(e.Record.Header.Created), Current: current, Helpful: float64(d.View.Reactions.Helpful)}
	}
	return docs, nil
}

// eventDocs reads one event. Its time is when it was announced (its first
// version's creation), not when it takes place: searches filter every
// kind by when it was written (docs/search.md), and the events pages are
// where events are found by their dates.
func eventDocs(ctx context.Context, s *store.Store, c, event protocol.ID) (map[string]*search.Doc, error) {
	v, err := s.Event(ctx, c, event)
	if err != nil {
		return nil, err
	}
	body := strings.TrimSpace(v.Text + "\n" + v.Place)
	return map[string]*search.Doc{"event/" + event.String(): {Community: c.String(), Kind: search.KindEvent, Thread: event.String(),
		Record: event.String(), Title: v.Title, Body: body, Tags: v.Tags, Author: v.Author.String(), Created: ms(v.Created), Current: true}}, nil
}

// profileDocs reads one member's profile: members are listed in key
// order after the founder, so it is found by paging (profiles change
// rarely).
func profileDocs(ctx context.Context, s *store.Store, c protocol.ID, k protocol.PublicKey) (map[string]*search.Doc, error) {
	var docs map[string]*search.Doc
	members := func(cursor string, limit int) (store.Page[store.MemberView], error) {
		return s.Members(ctx, c, cursor, limit)
	}
	err := store.EachPage(members, func(m store.MemberView) error {
		if m.Key != k {
			return nil
		}
		docs = profileDoc(c, m)
		return errFound
	})
	if errors.Is(err, errFound) {
		err = nil
	}
	return docs, err
}

// errFound stops a walk over pages once what it looked for is found.
var errFound = errors.New("found")

func profileDoc(c protocol.ID, m store.MemberView) map[string]*search.Doc {
	if m.Profile.IsZero() || !m.Standing.Admitted() {
		return nil
	}
	body := strings.TrimSpace(m.Org + "\n" + strings.Join(m.Expertise, ", ") + "\n" + m.Bio)
	return map[string]*search.Doc{"profile/" + c.String() + "/" + m.Key.String(): {Community: c.String(), Kind: search.KindProfile,
		Thread: profileKey(m.Key), Record: m.Key.String(), Title: m.Name, Body: body, Tags: m.Expertise, Author: m.Key.String(), Current: true}}
}

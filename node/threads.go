package node

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Threads and questions: posts, replies, accepted answers, edits.

// Post implements api.Backend.
func (n *Node) Post(ctx context.Context, community protocol.ID, req api.PostRequest) (protocol.ID, error) {
	if _, err := n.member(community); err != nil {
		return protocol.ID{}, err
	}
	typ, err := parsePostType(req.Type)
	if err != nil {
		return protocol.ID{}, err
	}
	files, err := n.attachments(req.Files)
	if err != nil {
		return protocol.ID{}, err
	}
	tags, err := normalizeTags(req.Tags)
	if err != nil {
		return protocol.ID{}, err
	}
	r, err := n.publish(ctx, community, protocol.Refs{}, &protocol.Post{Type: typ, Title: req.Title, Text: req.Body, Tags: tags, Files: files})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

var postTypes = map[string]protocol.PostType{
	"": protocol.PostDiscussion, "discussion": protocol.PostDiscussion,
	"question": protocol.PostQuestion, "announcement": protocol.PostAnnouncement,
}

func parsePostType(s string) (protocol.PostType, error) {
	t, ok := postTypes[strings.ToLower(s)]
	if !ok {
		return 0, fmt.Errorf("%w: post type %q: want discussion, question or announcement", api.ErrBadRequest, s)
	}
	return t, nil
}

func postTypeName(t protocol.PostType) string {
	for name, v := range postTypes {
		if v == t && name != "" {
			return name
		}
	}
	return "discussion"
}

// Threads implements api.Backend.
func (n *Node) Threads(ctx context.Context, community protocol.ID, q api.ThreadQuery) (api.Threads, error) {
	if _, err := n.community(community); err != nil {
		return api.Threads{}, err
	}
	filter := store.ThreadFilter{Tag: protocol.NormalizeTag(q.Tag), Unanswered: q.Unanswered, Author: q.Author, AnsweredBy: q.AnsweredBy}
	if q.Type != "" {
		var err error
		if filter.Type, err = parsePostType(q.Type); err != nil {
			return api.Threads{}, err
		}
	}
	order := store.Newest
	if q.Active {
		order = store.MostRecentActivity
	}
	page, err := n.store.Threads(ctx, community, order, filter, q.Cursor, q.Limit)
	if errors.Is(err, store.ErrBadCursor) {
		return api.Threads{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	if err != nil {
		return api.Threads{}, err
	}
	out := api.Threads{Items: []api.Thread{}, Next: page.Next}
	for _, v := range page.Items {
		out.Items = append(out.Items, threadJSON(community, v))
	}
	return out, nil
}

func threadJSON(community protocol.ID, v store.ThreadView) api.Thread {
	t := api.Thread{ID: v.Post, Community: community, Author: v.Author, Type: postTypeName(v.Type), Title: v.Title,
		Tags: v.Tags, Created: v.Created, LastActivity: v.LastActivity, Replies: v.Replies, Reactions: reactionsJSON(v.Reactions, nil)}
	if !v.Accepted.IsZero() {
		a := v.Accepted
		t.Accepted = &a
	}
	return t
}

// Thread implements api.Backend.
func (n *Node) Thread(ctx context.Context, post protocol.ID) (api.ThreadDetail, error) {
	e, err := n.record(ctx, post, "post")
	if err != nil {
		return api.ThreadDetail{}, err
	}
	switch h := e.Record.Header; {
	case h.Kind == protocol.KindPost && !h.Target.IsZero():
		post = h.Target // an edit's id shows its post
	case h.Kind == protocol.KindReply:
		if _, err := n.store.ThreadReplies(ctx, e.Record.Community(), h.Root, nil); errors.Is(err, store.ErrNotFound) {
			return api.ThreadDetail{}, fmt.Errorf("%w: %s is a reply in thread %s, which is not shown (deleted, hidden, or its author not admitted when writing it)", api.ErrNotFound, post, h.Root)
		}
		if e.Meta.Deleted {
			return api.ThreadDetail{}, fmt.Errorf("%w: %s was a reply in thread %s, and was deleted", api.ErrBadRequest, post, h.Root)
		}
		return api.ThreadDetail{}, fmt.Errorf("%w: %s is a reply in thread %s: show that one", api.ErrBadRequest, post, h.Root)
	case h.Kind != protocol.KindPost:
		return api.ThreadDetail{}, fmt.Errorf("%w: %s is %s, not a post", api.ErrBadRequest, post, aOrAn(h.Kind))
	}
	community := e.Record.Community()
	d, err := n.threadReplies(ctx, community, post)
	if errors.Is(err, store.ErrNotFound) {
		return api.ThreadDetail{}, n.notShown(ctx, "post", post)
	}
	if err != nil {
		return api.ThreadDetail{}, err
	}
	out := api.ThreadDetail{Thread: threadJSON(community, d.View), Replies: []api.Message{}, RepliesCut: d.cut}
	shown := []protocol.ID{post}
	for _, r := range d.Replies {
		shown = append(shown, r.Record.ID())
	}
	if d.Accepted != nil {
		shown = append(shown, d.Accepted.Record.ID())
	}
	mine := n.myReactions(ctx, community, shown)
	out.Reactions = reactionsJSON(d.View.Reactions, mine[post])
	if p, ok := d.Post.Record.Content().(*protocol.Post); ok {
		out.Body, out.Files = p.Text, filesOf(p.Files)
	}
	if d.Post.Record.ID() != post {
		out.Edited = d.Post.Record.Header.Created
	}
	for _, r := range d.Replies {
		m := message(r, d.Versions)
		m.Reactions = reactionsJSON(d.View.ReplyReactions[r.Record.ID()], mine[r.Record.ID()])
		out.Replies = append(out.Replies, m)
	}
	if d.Accepted != nil {
		m := message(*d.Accepted, d.Versions)
		m.Reactions = reactionsJSON(d.View.ReplyReactions[d.Accepted.Record.ID()], mine[d.Accepted.Record.ID()])
		n.markFiles(m.Files)
		out.AcceptedReply = &m
	}
	n.markFiles(out.Files)
	for _, r := range out.Replies {
		n.markFiles(r.Files)
	}
	n.replyToAuthors(ctx, community, post, d.Replies, out.Replies)
	switch note, err := n.store.PromotedNote(ctx, community, d.View.Post); {
	case err == nil:
		out.Note = &note
	case !errors.Is(err, store.ErrNotFound):
		return api.ThreadDetail{}, err
	}
	return out, nil
}

// shownReplies is api.MaxShownReplies, a variable for tests;
// shownReplyBytes bounds the replies' size too, since each may be 64 KB.
var (
	shownReplies    = api.MaxShownReplies
	shownReplyBytes = 8 << 20
)

// threadRead is a thread with its first shownReplies replies.
type threadRead struct {
	store.ThreadDetail
	cut bool // there are more
}

// threadReplies reads a thread with up to shownReplies replies (and
// shownReplyBytes of them), a store page at a time.
func (n *Node) threadReplies(ctx context.Context, community, post protocol.ID) (threadRead, error) {
	var out threadRead
	size := 0
	for cursor := ""; ; {
		d, err := n.store.Thread(ctx, community, post, cursor, min(store.MaxLimit, shownReplies-len(out.Replies)))
		if err != nil {
			return threadRead{}, err
		}
		replies := d.Replies
		for i, r := range replies {
			if size += r.Record.Size(); size > shownReplyBytes {
				replies, d.Next, out.cut = replies[:i], "", true
				break
			}
		}
		if cursor == "" {
			out.ThreadDetail = d
			out.Replies = replies
		} else {
			out.Replies = append(out.Replies, replies...)
			if out.Versions == nil {
				out.Versions = make(map[protocol.ID]store.Entry)
			}
			maps.Copy(out.Versions, d.Versions)
		}
		if cursor = d.Next; cursor == "" {
			return out, nil
		}
		if len(out.Replies) >= shownReplies {
			out.cut = true
			return out, nil
		}
	}
}

// message is a reply as first written (its id, author and time), with
// the text of the version shown.
func message(e store.Entry, versions map[protocol.ID]store.Entry) api.Message {
	m := api.Message{ID: e.Record.ID(), Author: e.Record.Header.Author, Created: e.Record.Header.Created, Deleted: e.Meta.Deleted}
	shown := e
	if v, ok := versions[e.Record.ID()]; ok {
		shown, m.Edited = v, v.Record.Header.Created
	}
	if r, ok := shown.Record.Content().(*protocol.Reply); ok {
		m.Body, m.Files = r.Text, filesOf(r.Files)
	}
	if ps := e.Record.Header.Parents; len(ps) > 0 {
		m.ReplyTo = &ps[0]
	}
	return m
}

// replyToAuthors names who wrote the reply each of msgs (made from
// replies) answers: from replies where it is among them, else from the
// store (a reply not shown: hidden), if it is a reply of the same thread
// (a record's parents are its author's claim).
func (n *Node) replyToAuthors(ctx context.Context, community, post protocol.ID, replies []store.Entry, msgs []api.Message) {
	authors := make(map[protocol.ID]protocol.PublicKey, len(replies))
	for _, r := range replies {
		authors[r.Record.ID()] = r.Record.Header.Author
	}
	for i := range msgs {
		to := msgs[i].ReplyTo
		if to == nil {
			continue
		}
		a, ok := authors[*to]
		if !ok {
			e, err := n.store.Get(ctx, *to)
			if h := e.Record; err != nil || h.Header.Kind != protocol.KindReply || h.Header.Root != post || h.Community() != community {
				continue
			}
			a, authors[*to] = e.Record.Header.Author, e.Record.Header.Author
		}
		msgs[i].ReplyToAuthor = &a
	}
}

// member returns a community's membership if this node's member is
// admitted to it, or an error that says why not.
func (n *Node) member(community protocol.ID) (*protocol.Membership, error) {
	m, err := n.community(community)
	if err != nil {
		return nil, err
	}
	switch st := m.Standing(n.id.MemberKey()); {
	case st == protocol.StandingRemoved:
		return nil, fmt.Errorf("%w: %s", api.ErrForbidden, removedMessage)
	case !st.Admitted():
		return nil, fmt.Errorf("%w: you are not (yet) a member of this community: join it first", api.ErrForbidden)
	}
	return m, nil
}

// removedMessage tells a removed member why their node refuses to write,
// and what can change it: joining again cannot.
const removedMessage = "a moderator removed you from this community: your records are refused; " +
	"joining again does not change that, a moderator can admit you again (kith member admit)"

// normalizeTags returns tags in the form records carry them, once each. A
// tag with no letter or digit is refused, not dropped: a member who typed
// one would otherwise find it silently missing.
func normalizeTags(in []string) ([]string, error) {
	var tags []string
	for _, t := range in {
		nt := protocol.NormalizeTag(t)
		if nt == "" {
			return nil, fmt.Errorf("%w: tag %q has no letter or digit", api.ErrBadRequest, t)
		}
		if !slices.Contains(tags, nt) {
			tags = append(tags, nt)
		}
	}
	return tags, nil
}

// record returns the record that id names, saying it is not here as a
// what (post, record…) when it is not.
func (n *Node) record(ctx context.Context, id protocol.ID, what string) (store.Entry, error) {
	e, err := n.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Entry{}, fmt.Errorf("%w: no %s %s on this node", api.ErrNotFound, what, id)
	}
	return e, err
}

// original returns the record that id names, or the original it edits
// (a post, reply or event: an edit restates it; a note's revisions are
// each their own).
func (n *Node) original(ctx context.Context, id protocol.ID, what string) (store.Entry, error) {
	e, err := n.record(ctx, id, what)
	if err != nil {
		return store.Entry{}, err
	}
	switch t, k := e.Record.Header.Target, e.Record.Header.Kind; {
	case !t.IsZero() && (k == protocol.KindPost || k == protocol.KindReply || k == protocol.KindEvent):
		return n.original(ctx, t, what)
	}
	if e.Meta.Deleted {
		return store.Entry{}, fmt.Errorf("%w: %s %s was deleted", api.ErrNotFound, e.Record.Header.Kind, id)
	}
	return e, nil
}

// shownThread returns the thread of a post or reply (its original), after
// checking that both are shown: a reply, accept or reaction to a hidden
// or deleted one would be stored and never seen.
func (n *Node) shownThread(ctx context.Context, e store.Entry) (store.ThreadDetail, error) {
	id := e.Record.ID()
	if !e.Meta.Live() {
		return store.ThreadDetail{}, n.notShown(ctx, e.Record.Header.Kind.String(), id)
	}
	root := id
	if e.Record.Header.Kind == protocol.KindReply {
		root = e.Record.Header.Root
	}
	d, err := n.store.Thread(ctx, e.Record.Community(), root, "", 1)
	if errors.Is(err, store.ErrNotFound) {
		return store.ThreadDetail{}, n.notShown(ctx, "the thread's post", root)
	}
	return d, err
}

// Reply implements api.Backend: a reply to a thread, or to a reply (it
// then joins the same thread, under that reply).
func (n *Node) Reply(ctx context.Context, to protocol.ID, req api.ReplyRequest) (protocol.ID, error) {
	if strings.TrimSpace(req.Body) == "" && len(req.Files) == 0 {
		return protocol.ID{}, fmt.Errorf("%w: a reply needs a body or files", api.ErrBadRequest)
	}
	e, err := n.original(ctx, to, "post")
	if err != nil {
		return protocol.ID{}, err
	}
	var refs protocol.Refs
	switch e.Record.Header.Kind {
	case protocol.KindPost:
		refs.Root = e.Record.ID()
	case protocol.KindReply:
		refs = protocol.Refs{Root: e.Record.Header.Root, Parents: []protocol.ID{e.Record.ID()}}
	default:
		return protocol.ID{}, fmt.Errorf("%w: %s is %s, not a post or a reply", api.ErrBadRequest, to, aOrAn(e.Record.Header.Kind))
	}
	community := e.Record.Community()
	if _, err := n.member(community); err != nil {
		return protocol.ID{}, err
	}
	if _, err := n.shownThread(ctx, e); err != nil {
		return protocol.ID{}, err
	}
	files, err := n.attachments(req.Files)
	if err != nil {
		return protocol.ID{}, err
	}
	r, err := n.publish(ctx, community, refs, &protocol.Reply{Text: req.Body, Files: files})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// Accept implements api.Backend: mark a reply as the accepted answer of
// its thread, a question. Every node refuses an accept by anyone but the
// asker or a moderator; this says so before signing one.
func (n *Node) Accept(ctx context.Context, reply protocol.ID) (protocol.ID, error) {
	e, err := n.original(ctx, reply, "reply")
	if err != nil {
		return protocol.ID{}, err
	}
	if e.Record.Header.Kind != protocol.KindReply {
		return protocol.ID{}, fmt.Errorf("%w: %s is %s: accept a reply", api.ErrBadRequest, reply, aOrAn(e.Record.Header.Kind))
	}
	community, root := e.Record.Community(), e.Record.Header.Root
	m, err := n.member(community)
	if err != nil {
		return protocol.ID{}, err
	}
	d, err := n.shownThread(ctx, e)
	if err != nil {
		return protocol.ID{}, err
	}
	if d.View.Accepted == e.Record.ID() {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: that reply is the accepted answer already", api.ErrBadRequest))
	}
	if d.View.Type != protocol.PostQuestion {
		return protocol.ID{}, fmt.Errorf("%w: the thread is %s: only a question has an accepted answer", api.ErrBadRequest, aOrAn(postTypeName(d.View.Type)))
	}
	me := n.id.MemberKey()
	if d.View.Author != me && !m.Standing(me).Moderates() {
		return protocol.ID{}, fmt.Errorf("%w: only the asker or a moderator may accept an answer", api.ErrForbidden)
	}
	r, err := n.publish(ctx, community, protocol.Refs{Root: root, Target: e.Record.ID()}, &protocol.Accept{})
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// Edit implements api.Backend: a new version of one's own post or reply;
// the versions before it stay in the history.
func (n *Node) Edit(ctx context.Context, id protocol.ID, req api.EditRequest) (protocol.ID, error) {
	e, err := n.original(ctx, id, "post")
	if err != nil {
		return protocol.ID{}, err
	}
	community, orig := e.Record.Community(), e.Record.ID()
	if _, err := n.member(community); err != nil {
		return protocol.ID{}, err
	}
	if e.Record.Header.Author != n.id.MemberKey() {
		return protocol.ID{}, fmt.Errorf("%w: only its author may edit a post or a reply", api.ErrForbidden)
	}
	switch e.Record.Header.Kind {
	case protocol.KindPost:
		d, err := n.store.Thread(ctx, community, orig, "", 1)
		if err != nil {
			return protocol.ID{}, fmt.Errorf("%w: post %s is not shown here", api.ErrNotFound, id)
		}
		cur, _ := d.Post.Record.Content().(*protocol.Post)
		if cur == nil {
			return protocol.ID{}, fmt.Errorf("%w: post %s has no text left to edit", api.ErrBadRequest, id)
		}
		next := *cur
		if req.Title != "" {
			next.Title = req.Title
		}
		for _, f := range req.Clear {
			switch {
			case f != "body" && f != "tags":
				return protocol.ID{}, fmt.Errorf("%w: %q cannot be cleared (a post's body and tags can)", api.ErrBadRequest, f)
			case f == "body" && req.Body != "":
				return protocol.ID{}, fmt.Errorf("%w: a new body and clearing it", api.ErrBadRequest)
			case f == "tags" && len(req.Tags) > 0:
				return protocol.ID{}, fmt.Errorf("%w: new tags and clearing them", api.ErrBadRequest)
			case f == "body":
				next.Text = ""
			default:
				next.Tags = nil
			}
		}
		if req.Body != "" {
			next.Text = req.Body
		}
		if req.Tags != nil { // given: "tags": [] empties them too, as a note's revision does
			if next.Tags, err = normalizeTags(req.Tags); err != nil {
				return protocol.ID{}, err
			}
		}
		if next.Files, err = n.editFiles(cur.Files, req.Files, req.Remove); err != nil {
			return protocol.ID{}, err
		}
		if next.Title == cur.Title && next.Text == cur.Text && slices.Equal(next.Tags, cur.Tags) && sameFiles(next.Files, cur.Files) {
			// A version every member's node would keep, and every page
			// mark "edited", for nothing.
			return protocol.ID{}, api.Already(fmt.Errorf("%w: that changes nothing: the post has that title, text, tags and files already", api.ErrBadRequest))
		}
		r, err := n.publish(ctx, community, protocol.Refs{Target: orig}, &next)
		if err != nil {
			return protocol.ID{}, err
		}
		return r.ID(), nil
	case protocol.KindReply:
		if req.Title != "" || req.Tags != nil || len(req.Clear) > 0 {
			return protocol.ID{}, fmt.Errorf("%w: a reply has no title or tags, only a text and files", api.ErrBadRequest)
		}
		filesOnly := len(req.Files) > 0 || len(req.Remove) > 0
		if strings.TrimSpace(req.Body) == "" && !filesOnly {
			return protocol.ID{}, fmt.Errorf("%w: the new version needs a body", api.ErrBadRequest)
		}
		// The version shown: this reply alone, wherever it is in the
		// thread (a page of the thread holds the versions of its own
		// replies only).
		cur, _ := e.Record.Content().(*protocol.Reply)
		if d, err := n.store.ThreadReplies(ctx, community, e.Record.Header.Root, []protocol.ID{orig}); err == nil {
			if v, ok := d.Versions[orig]; ok {
				cur, _ = v.Record.Content().(*protocol.Reply)
			}
		}
		if cur == nil {
			return protocol.ID{}, fmt.Errorf("%w: reply %s has no text left to edit", api.ErrBadRequest, id)
		}
		next := protocol.Reply{Text: req.Body}
		if strings.TrimSpace(next.Text) == "" { // files alone: the text stays
			next.Text = cur.Text
		}
		if next.Files, err = n.editFiles(cur.Files, req.Files, req.Remove); err != nil {
			return protocol.ID{}, err
		}
		if next.Text == cur.Text && sameFiles(next.Files, cur.Files) {
			return protocol.ID{}, api.Already(fmt.Errorf("%w: that changes nothing: the reply says that already, with those files", api.ErrBadRequest))
		}
		r, err := n.publish(ctx, community, protocol.Refs{Root: e.Record.Header.Root, Target: orig}, &next)
		if err != nil {
			return protocol.ID{}, err
		}
		return r.ID(), nil
	}
	return protocol.ID{}, fmt.Errorf("%w: %s is %s, not a post or a reply", api.ErrBadRequest, id, aOrAn(e.Record.Header.Kind))
}

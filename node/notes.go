package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kith-network/kith/internal/textdiff"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Notes, the community's knowledge base: any member may write a new
// revision of any note, as in a wiki. Revisions made apart become
// concurrent heads, shown until a revision follows them all (a merge).

// NewNote implements api.Backend.
func (n *Node) NewNote(ctx context.Context, community protocol.ID, req api.NoteRequest) (protocol.ID, error) {
	if _, err := n.member(community); err != nil {
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
	body := &protocol.Note{Title: req.Title, Text: req.Body, Tags: tags, Files: files}
	refs := protocol.Refs{}
	if req.From != nil {
		// Promoted from a thread: the question and its accepted answer,
		// unless the caller wrote the note's text.
		d, err := n.store.Thread(ctx, community, *req.From, "", 1)
		if errors.Is(err, store.ErrNotFound) {
			return protocol.ID{}, fmt.Errorf("%w: no thread %s in this community", api.ErrNotFound, *req.From)
		}
		if err != nil {
			return protocol.ID{}, err
		}
		// Held until the note is stored, so that two promotions at once
		// (a double click) do not both find none.
		n.promoteMu.Lock()
		defer n.promoteMu.Unlock()
		if prev, err := n.promotedFrom(ctx, community, *req.From); err != nil {
			return protocol.ID{}, err
		} else if !prev.IsZero() {
			return protocol.ID{}, fmt.Errorf("%w: this thread is already the note %s: edit that one", api.ErrBadRequest, prev)
		}
		refs.Target = *req.From
		if body.Title == "" {
			body.Title = d.View.Title
		}
		if body.Tags == nil {
			body.Tags = d.View.Tags
		}
		if body.Text == "" {
			if d.View.Type == protocol.PostQuestion && d.Accepted == nil {
				return protocol.ID{}, fmt.Errorf("%w: the question %s has no accepted answer yet: accept one first (kith post accept), or write the note's text yourself", api.ErrBadRequest, *req.From)
			}
			body.Text = promotedText(d, n.nameIn(ctx, community))
		}
		// The thread's files come along: the note is what stays, and a
		// file no live record names is purged.
		body.Files = addFiles(body.Files, promotedFiles(d))
	}
	if strings.TrimSpace(body.Title) == "" {
		return protocol.ID{}, fmt.Errorf("%w: a note needs a title", api.ErrBadRequest)
	}
	r, err := n.publish(ctx, community, refs, body)
	if err != nil {
		return protocol.ID{}, err
	}
	return r.ID(), nil
}

// promotedFrom returns the live note promoted from thread, if there is
// one: promoting a thread twice would make two notes that drift apart.
func (n *Node) promotedFrom(ctx context.Context, community, thread protocol.ID) (protocol.ID, error) {
	note, err := n.store.PromotedNote(ctx, community, thread)
	if errors.Is(err, store.ErrNotFound) {
		return protocol.ID{}, nil
	}
	return note, err
}

// promotedText is a thread's post and accepted answer, as a note's text,
// crediting the answer's author by name: the note's author is whoever
// promoted it.
func promotedText(d store.ThreadDetail, name func(protocol.PublicKey) string) string {
	var b strings.Builder
	if p, ok := d.Post.Record.Content().(*protocol.Post); ok {
		b.WriteString(p.Text)
	}
	if r := acceptedShown(d); r != nil {
		fmt.Fprintf(&b, "\n\n## Answer\n\n%s\n\n*Answered by %s.*", r.Text, escapeMarkdown(name(d.Accepted.Record.Header.Author)))
	}
	return b.String()
}

// escapeMarkdown makes text read as itself in Markdown: a member's name
// put in a note must not become a link or a picture there.
func escapeMarkdown(text string) string {
	var b strings.Builder
	for _, c := range text {
		if strings.ContainsRune("\\`*_{}[]()<>#+-.!|~", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// nameIn returns a function naming members of community for people: their
// profile's name and the start of their key, or the start of the key.
func (n *Node) nameIn(ctx context.Context, community protocol.ID) func(protocol.PublicKey) string {
	return func(k protocol.PublicKey) string {
		name := ""
		if v, err := n.store.Member(ctx, community, k); err == nil {
			name = v.Name
		}
		return api.Who(name, k)
	}
}

// promotedFiles are the files of a thread's post and accepted answer.
func promotedFiles(d store.ThreadDetail) []protocol.Attachment {
	var files []protocol.Attachment
	if p, ok := d.Post.Record.Content().(*protocol.Post); ok {
		files = append(files, p.Files...)
	}
	if r := acceptedShown(d); r != nil {
		files = append(files, r.Files...)
	}
	return files
}

// acceptedShown is the version shown of a thread's accepted answer, or nil.
func acceptedShown(d store.ThreadDetail) *protocol.Reply {
	if d.Accepted == nil {
		return nil
	}
	shown := *d.Accepted
	if v, ok := d.Versions[shown.Record.ID()]; ok {
		shown = v
	}
	r, _ := shown.Record.Content().(*protocol.Reply)
	return r
}

// Notes implements api.Backend: a community's notes, most recently
// updated first.
func (n *Node) Notes(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Notes, error) {
	if _, err := n.community(community); err != nil {
		return api.Notes{}, err
	}
	page, err := n.store.Notes(ctx, community, cursor, limit)
	if errors.Is(err, store.ErrBadCursor) {
		return api.Notes{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	if err != nil {
		return api.Notes{}, err
	}
	out := api.Notes{Items: []api.Note{}, Next: page.Next}
	for _, v := range page.Items {
		out.Items = append(out.Items, noteJSON(community, v))
	}
	return out, nil
}

func noteJSON(community protocol.ID, v store.NoteView) api.Note {
	out := api.Note{ID: v.Root, Community: community, Author: v.Author, Title: v.Title, Tags: v.Tags,
		Created: v.Created, Updated: v.Updated, Revisions: v.Revisions, Heads: len(v.Heads), Reactions: reactionsJSON(v.Reactions, nil)}
	if !v.From.IsZero() {
		from := v.From
		out.From = &from
	}
	return out
}

// note finds the note a revision id belongs to.
func (n *Node) note(ctx context.Context, id protocol.ID) (store.NoteDetail, error) {
	e, err := n.record(ctx, id, "note")
	if err != nil {
		return store.NoteDetail{}, err
	}
	if e.Record.Header.Kind != protocol.KindNote {
		return store.NoteDetail{}, fmt.Errorf("%w: %s is %s, not a note", api.ErrBadRequest, id, aOrAn(e.Record.Header.Kind))
	}
	root := e.Record.Header.Root
	if root.IsZero() {
		root = id
	}
	d, err := n.store.Note(ctx, e.Record.Community(), root)
	if errors.Is(err, store.ErrNotFound) {
		return store.NoteDetail{}, n.notShown(ctx, "note", root)
	}
	return d, err
}

func revision(e store.Entry) api.Revision {
	h := e.Record.Header
	rev := api.Revision{ID: e.Record.ID(), Author: h.Author, Created: h.Created, Parents: h.Parents}
	if b, ok := e.Record.Content().(*protocol.Note); ok {
		rev.Title = b.Title
	}
	return rev
}

// Note implements api.Backend: a note with its heads and history, by the
// id of any of its revisions.
func (n *Node) Note(ctx context.Context, id protocol.ID) (api.NoteDetail, error) {
	d, err := n.note(ctx, id)
	if err != nil {
		return api.NoteDetail{}, err
	}
	community := d.Heads[0].Record.Community() // a live note has a head
	out := api.NoteDetail{Note: noteJSON(community, d.View), Heads: []api.Head{}, History: []api.Revision{}}
	mine := n.myReactions(ctx, community, []protocol.ID{d.View.Root})
	out.Reactions = reactionsJSON(d.View.Reactions, mine[d.View.Root])
	for _, h := range d.Heads {
		head := api.Head{Revision: revision(h)}
		if b, ok := h.Record.Content().(*protocol.Note); ok {
			head.Body, head.Tags, head.Files = b.Text, b.Tags, filesOf(b.Files)
			n.markFiles(head.Files)
		}
		out.Heads = append(out.Heads, head)
	}
	for _, e := range d.History {
		out.History = append(out.History, revision(e))
	}
	out.History = causalOrder(out.History)
	return out, nil
}

// causalOrder orders a note's revisions, given in time order, so that
// each comes after the revisions it follows: a revision dated before
// its parent (its author's clock was behind) came first in the history,
// as "revision 1", and its diff read "from revision 3 to revision 1".
// Otherwise the time order stays.
func causalOrder(revs []api.Revision) []api.Revision {
	held := make(map[protocol.ID]bool, len(revs))
	for _, r := range revs {
		held[r.ID] = true
	}
	done := make(map[protocol.ID]bool, len(revs))
	ready := func(r api.Revision) bool {
		return !slices.ContainsFunc(r.Parents, func(p protocol.ID) bool { return held[p] && !done[p] })
	}
	out := make([]api.Revision, 0, len(revs))
	// The oldest revision whose parents are out, each time; in time order
	// already (the usual case), each is the first left, and this is linear.
	for first := 0; len(out) < len(revs); {
		for done[revs[first].ID] {
			first++
		}
		i := first
		for i < len(revs) && (done[revs[i].ID] || !ready(revs[i])) {
			i++
		}
		if i == len(revs) {
			// Cannot be (ids are hashes of their parents'): the rest as is.
			for _, r := range revs[first:] {
				if !done[r.ID] {
					out = append(out, r)
				}
			}
			return out
		}
		out, done[revs[i].ID] = append(out, revs[i]), true
	}
	return out
}

// Revise implements api.Backend: a new revision of a note, following the
// given revisions or every current head (merging them).
func (n *Node) Revise(ctx context.Context, id protocol.ID, req api.RevisionRequest) (protocol.ID, error) {
	d, err := n.note(ctx, id)
	if err != nil {
		return protocol.ID{}, err
	}
	community := d.Heads[0].Record.Community()
	if _, err := n.member(community); err != nil {
		return protocol.ID{}, err
	}
	byID := make(map[protocol.ID]store.Entry, len(d.History))
	for _, e := range d.History {
		byID[e.Record.ID()] = e
	}
	parents := req.Parents
	if len(parents) == 0 {
		for _, h := range d.Heads {
			parents = append(parents, h.Record.ID())
		}
	}
	parents = slices.Clone(parents)
	slices.SortFunc(parents, protocol.ID.Compare)
	parents = slices.Compact(parents)
	var followed []*protocol.Note
	for _, p := range parents {
		e, ok := byID[p]
		if !ok {
			return protocol.ID{}, fmt.Errorf("%w: %s is not a live revision of this note", api.ErrBadRequest, p)
		}
		body, ok := e.Record.Content().(*protocol.Note)
		if !ok {
			return protocol.ID{}, fmt.Errorf("%w: revision %s has no text left to start from", api.ErrBadRequest, p)
		}
		followed = append(followed, body)
	}
	var next protocol.Note
	for _, f := range req.Clear {
		switch {
		case f != "tags":
			return protocol.ID{}, fmt.Errorf("%w: %q cannot be cleared (a note's tags can)", api.ErrBadRequest, f)
		case len(req.Tags) > 0:
			return protocol.ID{}, fmt.Errorf("%w: new tags and clearing them", api.ErrBadRequest)
		}
		req.Tags = []string{} // given, and none
	}
	if req.Revert != nil {
		if req.Title != "" || req.Body != "" || req.Tags != nil || len(req.Files) > 0 || len(req.Remove) > 0 {
			return protocol.ID{}, fmt.Errorf("%w: give a revision to revert to, or a new title, text, tags or files, not both", api.ErrBadRequest)
		}
		old, ok := byID[*req.Revert]
		if !ok {
			return protocol.ID{}, fmt.Errorf("%w: %s is not a live revision of this note", api.ErrBadRequest, *req.Revert)
		}
		body, ok := old.Record.Content().(*protocol.Note)
		if !ok {
			return protocol.ID{}, fmt.Errorf("%w: that revision has no text left to start from", api.ErrBadRequest)
		}
		next = *body
	} else {
		// What is not given comes from the revisions this one follows, and
		// only where they agree: taking one head's text for a merge would
		// drop the others' without anyone having chosen to.
		var err error
		if next, err = mergeNotes(followed, req); err != nil {
			return protocol.ID{}, err
		}
		if next.Files, err = n.editFiles(next.Files, req.Files, req.Remove); err != nil {
			return protocol.ID{}, err
		}
	}
	if len(followed) == 1 && sameNote(next, *followed[0]) {
		return protocol.ID{}, api.Already(fmt.Errorf("%w: that changes nothing: revision %s already has this title, text, tags and files", api.ErrBadRequest, parents[0]))
	}
	return n.publishRevision(ctx, community, d.View.Root, parents, &next)
}

// publishRevision writes next as a revision of the note root that
// follows parents. A revision follows at most protocol.MaxParents: a
// merge of more heads than that (17 members who edited apart, or one who
// forked the note 17 times) is written as a chain, the first revision
// following MaxParents of them and each next one the revision before and
// as many more, all with next's title, text and tags, so that the merge
// the member asked for is one action and ends in one head. It returns
// the last revision's id.
func (n *Node) publishRevision(ctx context.Context, community, root protocol.ID, parents []protocol.ID, next *protocol.Note) (protocol.ID, error) {
	var last protocol.ID
	for rest := parents; len(rest) > 0; {
		take := min(len(rest), protocol.MaxParents)
		follow := rest[:take]
		if !last.IsZero() {
			take = min(len(rest), protocol.MaxParents-1)
			follow = append([]protocol.ID{last}, rest[:take]...)
			slices.SortFunc(follow, protocol.ID.Compare)
		}
		r, err := n.publish(ctx, community, protocol.Refs{Root: root, Parents: follow}, next)
		if err != nil {
			if !last.IsZero() {
				return protocol.ID{}, fmt.Errorf("a merge of %d revisions is written in steps of %d, and %d are left to merge: %w",
					len(parents), protocol.MaxParents, len(rest), err)
			}
			return protocol.ID{}, err
		}
		last, rest = r.ID(), rest[take:]
	}
	return last, nil
}

// mergeNotes is the revision that follows heads with what req gives: each
// of title, text and tags from req, or else from the heads if they all
// agree on it; files are the heads' together.
func mergeNotes(heads []*protocol.Note, req api.RevisionRequest) (protocol.Note, error) {
	next := *heads[0]
	next.Files = nil
	var differ []string
	for _, h := range heads[1:] {
		if h.Title != next.Title && req.Title == "" && !slices.Contains(differ, "title (--title)") {
			differ = append(differ, "title (--title)")
		}
		if h.Text != next.Text && req.Body == "" && !slices.Contains(differ, "text (--body)") {
			differ = append(differ, "text (--body)")
		}
		if !slices.Equal(h.Tags, next.Tags) && req.Tags == nil && !slices.Contains(differ, "tags (--tag)") {
			differ = append(differ, "tags (--tag)")
		}
	}
	if len(differ) > 0 {
		return protocol.Note{}, fmt.Errorf("%w: the %d revisions this one follows differ in their %s: give the merged one, "+
			"or follow one revision only (--parent)", api.ErrBadRequest, len(heads), strings.Join(differ, " and "))
	}
	for _, h := range heads {
		next.Files = addFiles(next.Files, h.Files)
	}
	if req.Title != "" {
		next.Title = req.Title
	}
	if req.Body != "" {
		next.Text = req.Body
	}
	if req.Tags != nil {
		var err error
		if next.Tags, err = normalizeTags(req.Tags); err != nil {
			return protocol.Note{}, err
		}
	}
	return next, nil
}

// sameNote reports whether two revisions say the same.
func sameNote(a, b protocol.Note) bool {
	return a.Title == b.Title && a.Text == b.Text && slices.Equal(a.Tags, b.Tags) && sameFiles(a.Files, b.Files)
}

// NoteDiff implements api.Backend: what revision b changed against a.
func (n *Node) NoteDiff(ctx context.Context, id, a, b protocol.ID) (api.NoteDiff, error) {
	d, err := n.note(ctx, id)
	if err != nil {
		return api.NoteDiff{}, err
	}
	find := func(rev protocol.ID) (*protocol.Note, error) {
		for _, e := range d.History {
			if e.Record.ID() == rev {
				if body, ok := e.Record.Content().(*protocol.Note); ok {
					return body, nil
				}
			}
		}
		return nil, fmt.Errorf("%w: %s is not a live revision of this note", api.ErrBadRequest, rev)
	}
	ra, err := find(a)
	if err != nil {
		return api.NoteDiff{}, err
	}
	rb, err := find(b)
	if err != nil {
		return api.NoteDiff{}, err
	}
	out := api.NoteDiff{A: a, B: b, TitleA: ra.Title, TitleB: rb.Title, TagsA: ra.Tags, TagsB: rb.Tags, Lines: []api.DiffLine{}}
	for _, l := range textdiff.Lines(ra.Text, rb.Text) {
		out.Lines = append(out.Lines, api.DiffLine{Op: string(l.Op), Text: l.Text})
	}
	return out, nil
}

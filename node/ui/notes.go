package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// Notes: the community's knowledge base. Any member may write a new
// revision of any note; revisions written apart (on two machines that had
// not yet heard of each other's edit) become concurrent heads, shown side
// by side until someone writes a revision that follows them all.

// notesPerPage is how many notes the list shows before "More".
const notesPerPage = 50

type notesPage struct {
	Community api.Community
	Notes     []api.Note
	Next      string
	Live      protocol.ID
}

func (s *Server) notes(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	page, err := s.backend.Notes(r.Context(), id, r.URL.Query().Get("cursor"), notesPerPage)
	if err != nil {
		return "", nil, err
	}
	return "notes", notesPage{Community: c, Notes: page.Items, Next: page.Next, Live: id}, nil
}

func (s *Server) newNote(r *http.Request) (string, error) {
	community, err := pathID(r)
	if err != nil {
		return "", err
	}
	title := strings.TrimSpace(r.PostForm.Get("title"))
	if title == "" {
		return "", fmt.Errorf("%w: a note needs a title", api.ErrBadRequest)
	}
	id, err := s.backend.NewNote(r.Context(), community, api.NoteRequest{Title: title,
		Body: r.PostForm.Get("body"), Tags: noteTags(r), Files: uploaded(r)})
	if err != nil {
		return "", err
	}
	return "/n/" + id.String(), nil
}

// promote turns a thread into a note. The form's fields are all optional:
// title, body and tags default to the thread's (its post and accepted
// answer).
func (s *Server) promote(r *http.Request) (string, error) {
	post, err := pathID(r)
	if err != nil {
		return "", err
	}
	t, err := s.backend.Thread(r.Context(), post)
	if err != nil {
		return "", err
	}
	id, err := s.backend.NewNote(r.Context(), t.Community, api.NoteRequest{
		Title: strings.TrimSpace(r.PostForm.Get("title")), Body: r.PostForm.Get("body"), Tags: noteTags(r), From: &post})
	if err != nil {
		return "", err
	}
	return "/n/" + id.String(), nil
}

// notePage is the data of the note, edit and diff pages.
type notePage struct {
	Community api.Community
	Note      api.NoteDetail
	// Current is the head shown first (the newest); Others the heads
	// written apart from it, if any.
	Current noteHead
	Others  []noteHead
	// History is the note's revisions, newest first, each with what the
	// page offers for it.
	History []noteRevision
	Live    protocol.ID
	// Me is this node's member key: no reactions to the member's own note.
	Me protocol.PublicKey
	// Names are the display names of the community's members.
	Names map[protocol.PublicKey]string
	// Moderates: founders and moderators may delete and hide the note.
	Moderates bool
}

// Moderation is what the note page's "moderate" partial needs: deleting
// or hiding the note (its first revision) returns to the community's
// notes, and deleting it when others wrote revisions asks to confirm.
func (p notePage) Moderation() moderation {
	others := slices.ContainsFunc(p.Note.History, func(r api.Revision) bool { return r.Author != p.Note.Author })
	return moderation{Back: "/c/" + p.Community.ID.String() + "/notes", Target: p.Note.ID,
		Own: p.Note.Author == p.Me && !p.Removed(), Moderates: p.Moderates, WholeNote: others}
}

// Removed reports that a moderator removed this member from the
// community: the page offers nothing to write (it would be refused).
func (p notePage) Removed() bool { return p.Community.Standing == "removed" }

// noteHead is a head of a note as pages show it.
type noteHead struct {
	api.Head
	Number  int    // its number in the history, as the diff page and the history name it
	TagText string // the tags as the form's field holds them
}

// noteRevision is one revision in a note's history.
type noteRevision struct {
	api.Revision
	Number int  // 1 for the first revision
	Head   bool // a current head
	Revert bool // offer to revert to it (not the only head)
	// Against are its parents still shown, to see its changes against.
	Against []noteParent
}

// noteParent is a revision's parent, by id and number in the history.
type noteParent struct {
	ID     protocol.ID
	Number int
}

// loadNote reads the note the route's {id} names, with its community.
func (s *Server) loadNote(r *http.Request) (notePage, error) {
	id, err := pathID(r)
	if err != nil {
		return notePage{}, err
	}
	d, err := s.backend.Note(r.Context(), id)
	if err != nil {
		return notePage{}, s.noPageFor(r, err)
	}
	if len(d.Heads) == 0 {
		return notePage{}, fmt.Errorf("%w: note %s has no revision left to show", api.ErrNotFound, id)
	}
	c, err := s.findCommunity(r, d.Community)
	if err != nil {
		return notePage{}, err
	}
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return notePage{}, err
	}
	names, err := s.authorNames(r, d.Community)
	if err != nil {
		return notePage{}, err
	}
	p := notePage{Community: c, Note: d, Live: d.Community, Me: st.MemberKey, Names: names,
		Moderates: moderates(c.Standing)}
	number := make(map[protocol.ID]int, len(d.History))
	for i, rev := range d.History {
		number[rev.ID] = i + 1
	}
	for i, h := range d.Heads {
		v := noteHead{Head: h, Number: number[h.ID], TagText: strings.Join(h.Tags, ", ")}
		if i == 0 {
			p.Current = v
		} else {
			p.Others = append(p.Others, v)
		}
	}
	heads := make(map[protocol.ID]bool, len(d.Heads))
	for _, h := range d.Heads {
		heads[h.ID] = true
	}
	for i := len(d.History) - 1; i >= 0; i-- {
		rev := d.History[i]
		item := noteRevision{Revision: rev, Number: i + 1, Head: heads[rev.ID], Revert: !(heads[rev.ID] && len(d.Heads) == 1)}
		for _, parent := range rev.Parents {
			if n, ok := number[parent]; ok {
				item.Against = append(item.Against, noteParent{ID: parent, Number: n})
			}
		}
		p.History = append(p.History, item)
	}
	return p, nil
}

func (s *Server) note(r *http.Request) (string, any, error) {
	p, err := s.loadNote(r)
	if err != nil {
		return "", nil, err
	}
	return "note", p, nil
}

func (s *Server) noteEdit(r *http.Request) (string, any, error) {
	p, err := s.loadNote(r)
	if err != nil {
		return "", nil, err
	}
	return "note_edit", p, nil
}

// revise writes a new revision from the edit (or merge) form, or, with a
// "revert" field, a revision that brings back an earlier one's text.
func (s *Server) revise(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	var req api.RevisionRequest
	if req.Parents, err = formIDs(r, "parent", "parent revision"); err != nil {
		return "", err
	}
	if v := r.PostForm.Get("revert"); v != "" {
		rev, err := protocol.ParseID(v)
		if err != nil {
			return "", fmt.Errorf("%w: revision to revert to: %v", api.ErrBadRequest, err)
		}
		req.Revert = &rev
	} else {
		req.Title = strings.TrimSpace(r.PostForm.Get("title"))
		req.Body = r.PostForm.Get("body")
		// The node keeps the previous revision's title and text for empty
		// fields: saying so beats saving something else than was asked.
		if req.Title == "" || strings.TrimSpace(req.Body) == "" {
			return "", fmt.Errorf("%w: a revision needs a title and a text (an empty field would keep the previous revision's)", api.ErrBadRequest)
		}
		req.Tags = noteTags(r)
		if req.Tags == nil {
			req.Tags = []string{} // an empty field removes the tags
		}
		if req.Remove, err = formIDs(r, "remove", "a file to remove"); err != nil {
			return "", err
		}
		req.Files = uploaded(r)
	}
	if _, err := s.backend.Revise(r.Context(), id, req); failed(err) {
		return "", err
	}
	return backTo(r, "/n/"+id.String()), nil
}

// noteDiffPage is the data of the diff page.
type noteDiffPage struct {
	notePage
	Diff api.NoteDiff
	// A and B are the revisions compared; First is set when B is the
	// note's first revision, shown whole as added.
	A, B  noteRevision
	First bool
	// ParentGone is set when the revisions B followed were deleted, and
	// it is compared by default with the newest earlier one still shown.
	ParentGone bool
}

// noteDiff shows what revision b changed against revision a: by default
// the current head against its (first) parent.
func (s *Server) noteDiff(r *http.Request) (string, any, error) {
	p, err := s.loadNote(r)
	if err != nil {
		return "", nil, err
	}
	byID := make(map[protocol.ID]noteRevision, len(p.History))
	for _, rev := range p.History {
		byID[rev.ID] = rev
	}
	revision := func(name string, fallback protocol.ID) (noteRevision, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return byID[fallback], nil
		}
		id, err := protocol.ParseID(v)
		if err != nil {
			return noteRevision{}, fmt.Errorf("%w: revision %s: %v", api.ErrBadRequest, name, err)
		}
		rev, ok := byID[id]
		if !ok {
			return noteRevision{}, fmt.Errorf("%w: %s is not a revision of this note", api.ErrNotFound, id)
		}
		return rev, nil
	}
	d := noteDiffPage{notePage: p}
	if d.B, err = revision("b", p.Current.ID); err != nil {
		return "", nil, err
	}
	var parent protocol.ID
	switch {
	case len(d.B.Against) > 0:
		parent = d.B.Against[0].ID
	case len(d.B.Parents) > 0:
		// Every revision it followed was deleted: compare with the
		// newest earlier revision still shown, and say so.
		d.ParentGone = r.URL.Query().Get("a") == ""
		if i := slices.IndexFunc(p.History, func(rev noteRevision) bool { return rev.ID == d.B.ID }); i >= 0 && i+1 < len(p.History) {
			parent = p.History[i+1].ID
		}
	}
	if r.URL.Query().Get("a") == "" && parent.IsZero() {
		// The first revision: everything in it is new.
		d.First, d.A = true, d.B
	} else if d.A, err = revision("a", parent); err != nil {
		return "", nil, err
	}
	if d.A.ID.IsZero() {
		return "", nil, fmt.Errorf("%w: the revision before %s is not on this node", api.ErrNotFound, d.B.ID)
	}
	if d.Diff, err = s.backend.NoteDiff(r.Context(), p.Note.ID, d.A.ID, d.B.ID); err != nil {
		return "", nil, err
	}
	if d.First {
		for i := range d.Diff.Lines {
			d.Diff.Lines[i].Op = "+"
		}
	}
	return "note_diff", d, nil
}

// noteTags reads the comma-separated "tags" field; nil when empty.
func noteTags(r *http.Request) []string { return splitComma(r.PostForm.Get("tags")) }

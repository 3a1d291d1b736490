package ui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// What members do in a thread besides replying: accept an answer, react,
// edit their own post or reply.

// formID reads an id from a form field.
func formID(r *http.Request, field string) (protocol.ID, error) {
	id, err := protocol.ParseID(r.PostForm.Get(field))
	if err != nil {
		return protocol.ID{}, fmt.Errorf("%w: %s: %v", api.ErrBadRequest, field, err)
	}
	return id, nil
}

// formIDs reads every value of a form field as an id; what names them in
// an error.
func formIDs(r *http.Request, field, what string) ([]protocol.ID, error) {
	var out []protocol.ID
	for _, v := range r.PostForm[field] {
		id, err := protocol.ParseID(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", api.ErrBadRequest, what, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// splitTags reads a comma-separated list of tags; none is an empty list.
func splitTags(s string) []string {
	tags := []string{}
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

func (s *Server) accept(r *http.Request) (string, error) {
	thread, err := pathID(r)
	if err != nil {
		return "", err
	}
	reply, err := formID(r, "reply")
	if err != nil {
		return "", err
	}
	if _, err := s.backend.Accept(r.Context(), reply); failed(err) {
		return "", err
	}
	return s.replyLink(r, thread, reply), nil
}

// unaccept withdraws the thread's accepted answer.
func (s *Server) unaccept(r *http.Request) (string, error) {
	thread, err := pathID(r)
	if err != nil {
		return "", err
	}
	if _, err := s.backend.Unaccept(r.Context(), thread); failed(err) {
		return "", err
	}
	return "/t/" + thread.String(), nil
}

// react adds the member's reaction to a post, reply or note (the path's
// id) and returns to the page the form was on.
func (s *Server) react(r *http.Request) (string, error) {
	target, err := pathID(r)
	if err != nil {
		return "", err
	}
	if _, err := s.backend.React(r.Context(), target, api.ReactRequest{Reaction: r.PostForm.Get("reaction")}); failed(err) {
		return "", err
	}
	return backTo(r, "/"), nil
}

type editPage struct {
	Community api.Community
	Thread    api.ThreadDetail
	// Reply is the reply being edited; nil when it is the post.
	Reply *api.Message
}

// editForm shows the form that edits the post (/t/ID/edit) or one of its
// replies (/t/ID/edit?reply=RID), filled with the current version.
func (s *Server) editForm(r *http.Request) (string, any, error) {
	id, err := pathID(r)
	if err != nil {
		return "", nil, err
	}
	t, err := s.backend.Thread(r.Context(), id)
	if err != nil {
		return "", nil, err
	}
	page := editPage{Thread: t}
	if rid := r.URL.Query().Get("reply"); rid != "" {
		reply, err := protocol.ParseID(rid)
		if err != nil {
			return "", nil, fmt.Errorf("%w: reply: %v", api.ErrBadRequest, err)
		}
		for i := range t.Replies {
			if t.Replies[i].ID == reply {
				page.Reply = &t.Replies[i]
			}
		}
		if page.Reply == nil {
			return "", nil, fmt.Errorf("%w: reply %s is not in this thread", api.ErrNotFound, reply)
		}
	}
	// Only the author may edit: say so before the member types, not after.
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	author := t.Author
	if page.Reply != nil {
		author = page.Reply.Author
	}
	if author != st.MemberKey {
		return "", nil, fmt.Errorf("%w: only its author may edit a post or a reply", api.ErrForbidden)
	}
	if page.Community, err = s.findCommunity(r, t.Community); err != nil {
		return "", nil, err
	}
	return "edit", page, nil
}

func (s *Server) edit(r *http.Request) (string, error) {
	thread, err := pathID(r)
	if err != nil {
		return "", err
	}
	back := "/t/" + thread.String()
	remove, err := formIDs(r, "remove", "a file to remove")
	if err != nil {
		return "", err
	}
	if r.PostForm.Has("reply") {
		reply, err := formID(r, "reply")
		if err != nil {
			return "", err
		}
		req := api.EditRequest{Body: r.PostForm.Get("body"), Files: uploaded(r), Remove: remove}
		if _, err := s.backend.Edit(r.Context(), reply, req); failed(err) {
			return "", err
		}
		return s.replyLink(r, thread, reply), nil
	}
	req := api.EditRequest{Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Tags: splitTags(r.PostForm.Get("tags")),
		Files: uploaded(r), Remove: remove}
	// The form holds the whole post: a text or tags emptied are meant so.
	if r.PostForm.Has("body") && strings.TrimSpace(req.Body) == "" {
		req.Body, req.Clear = "", append(req.Clear, "body")
	}
	if r.PostForm.Has("tags") && len(req.Tags) == 0 {
		req.Clear = append(req.Clear, "tags")
	}
	if _, err := s.backend.Edit(r.Context(), thread, req); failed(err) { // saved unchanged: nothing to do
		return "", err
	}
	return back, nil
}

// failed reports whether a form's action failed: an error, unless it says
// the action was done already (api.Already). A form sent again, by a
// reload, the back button or a second click without JavaScript, then ends
// where the first one did rather than on an error page.
func failed(err error) bool { return err != nil && !api.IsAlready(err) }

package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// A community's threads and a thread: the pages, and the forms that
// start a community, join one, post and reply.

type communityPage struct {
	Community api.Community
	Threads   []api.Thread
	Next      string
	Query     api.ThreadQuery
	// Live names the community whose records refresh the page.
	Live protocol.ID
	// Since is when this browser last opened the page (0: never): threads
	// active after it are marked new.
	Since int64
	// Done says what a deletion or a hide just did (removalDone).
	Done string
}

// setCookies remembers that the member has seen the community now. The
// live page's own refresh (a fetch, not a navigation) is no visit: the
// threads new since the visit stay marked, and those that arrive are.
func (p communityPage) setCookies(w http.ResponseWriter, r *http.Request) {
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode == "" || mode == "navigate" {
		markSeen(w, r, p.Community.ID)
	}
}

// findCommunity returns what the node says of one community.
func (s *Server) findCommunity(r *http.Request, id protocol.ID) (api.Community, error) {
	cs, err := s.backend.Communities(r.Context())
	if err != nil {
		return api.Community{}, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return api.Community{}, fmt.Errorf("%w: this node holds no community %s", api.ErrNotFound, id)
}

// pathCommunity returns the community the route's {id} names.
func (s *Server) pathCommunity(r *http.Request) (api.Community, error) {
	id, err := pathID(r)
	if err != nil {
		return api.Community{}, err
	}
	return s.findCommunity(r, id)
}

func (s *Server) community(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	q := r.URL.Query()
	tq := api.ThreadQuery{Cursor: q.Get("cursor"), Limit: 50, Tag: q.Get("tag"), Type: q.Get("type"),
		Unanswered: q.Get("unanswered") == "on", Active: q.Get("order") == "active"}
	page, err := s.backend.Threads(r.Context(), id, tq)
	if err != nil {
		return "", nil, err
	}
	return "community", communityPage{Community: c, Threads: page.Items, Next: page.Next, Query: tq, Live: id, Since: seen(r)[id], Done: removalDone[q.Get("done")]}, nil
}

type threadPage struct {
	// Done says what a deletion or a hide just did (removalDone).
	Done      string
	Thread    api.ThreadDetail
	Community api.Community
	// Me is this node's member key: its own posts get an edit link.
	Me protocol.PublicKey
	// Moderates: founders and moderators may accept, hide and delete.
	Moderates bool
	Live      protocol.ID
	// Names are the display names of the community's members.
	Names map[protocol.PublicKey]string
	// Thread.Replies holds one page of replies, from From; Earlier and
	// Later are the starts of the pages around it (-1: none).
	From, Earlier, Later int
	// AcceptedAt links to the accepted answer in the thread, on its page.
	AcceptedAt string
	all        []api.Message // every reply shown, of every page
}

// ReplyHref links to a reply of the thread: on this page, or on the one
// that holds it.
func (p threadPage) ReplyHref(reply protocol.ID) string {
	for _, m := range p.Thread.Replies {
		if m.ID == reply {
			return "#r-" + reply.String()
		}
	}
	return replyAt(p.Thread.ID, p.all, reply)
}

// replyAt is the link to reply in a thread whose replies, oldest first,
// are replies: on the page that holds it.
func replyAt(thread protocol.ID, replies []api.Message, reply protocol.ID) string {
	link := "/t/" + thread.String()
	for i, m := range replies {
		if m.ID == reply {
			if from := i / repliesPerPage * repliesPerPage; from > 0 {
				link += "?from=" + strconv.Itoa(from)
			}
			break
		}
	}
	return link + "#r-" + reply.String()
}

// replyLink is replyAt for a thread read now; a thread that cannot be
// read gives the link to its first page.
func (s *Server) replyLink(r *http.Request, thread, reply protocol.ID) string {
	t, err := s.backend.Thread(r.Context(), thread)
	if err != nil {
		return "/t/" + thread.String() + "#r-" + reply.String()
	}
	return replyAt(thread, t.Replies, reply)
}

// repliesPerPage bounds the replies a thread's page renders: each is
// Markdown of up to 64 KB, and a page of 200 replies from another member,
// seen by a moderator, was 650 KB and 8,900 elements that took Chromium
// 1.6 s to load (TestThreadPageWeight bounds the markup a reply).
const repliesPerPage = 100

// Asker reports whether this member may accept an answer here.
func (p threadPage) Asker() bool {
	return p.Thread.Type == "question" && (p.Thread.Author == p.Me || p.Moderates) && !p.Removed()
}

// Removed reports that a moderator removed this member from the
// community: the page offers nothing to write (it would be refused).
func (p threadPage) Removed() bool { return p.Community.Standing == "removed" }

// ReplyAuthor names the author of the reply m answers.
func (p threadPage) ReplyAuthor(m api.Message) string {
	if m.ReplyToAuthor != nil {
		return who(p.Names, *m.ReplyToAuthor)
	}
	return "an earlier reply"
}

func (s *Server) thread(r *http.Request) (string, any, error) {
	id, err := pathID(r)
	if err != nil {
		return "", nil, err
	}
	t, err := s.backend.Thread(r.Context(), id)
	if err != nil {
		return "", nil, s.noPageFor(r, err)
	}
	c, err := s.findCommunity(r, t.Community)
	if err != nil {
		return "", nil, err
	}
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	names, err := s.authorNames(r, t.Community)
	if err != nil {
		return "", nil, err
	}
	page := threadPage{Thread: t, Community: c, Me: st.MemberKey, Live: t.Community, Names: names,
		Moderates: moderates(c.Standing), Earlier: -1, Later: -1, Done: removalDone[r.URL.Query().Get("done")]}
	if f := r.URL.Query().Get("from"); f != "" {
		if page.From, err = strconv.Atoi(f); err != nil || page.From < 0 {
			return "", nil, fmt.Errorf("%w: from=%q is not a reply of this thread", api.ErrBadRequest, f)
		}
		// Past the end (replies deleted since the link was made): the
		// last page.
		if page.From >= len(t.Replies) {
			page.From = max(0, (len(t.Replies)-1)/repliesPerPage*repliesPerPage)
		}
	}
	page.all = t.Replies
	if t.Accepted != nil {
		page.AcceptedAt = replyAt(t.ID, t.Replies, *t.Accepted)
	}
	to := page.From + min(repliesPerPage, len(t.Replies)-page.From)
	page.Thread.Replies = t.Replies[page.From:to]
	if page.From > 0 {
		page.Earlier = max(0, page.From-repliesPerPage)
	}
	if to < len(t.Replies) {
		page.Later = to
	}
	return "thread", page, nil
}

func (s *Server) createCommunity(r *http.Request) (string, error) {
	id, err := s.backend.CreateCommunity(r.Context(), api.CreateCommunityRequest{Name: r.PostForm.Get("name"),
		Domain: r.PostForm.Get("domain"), Charter: r.PostForm.Get("charter"), InviteOnly: r.PostForm.Get("invite_only") == "on"})
	if err != nil {
		return "", err
	}
	return "/c/" + id.String(), nil
}

func (s *Server) join(r *http.Request) (string, error) {
	id, err := s.backend.Join(r.Context(), strings.TrimSpace(r.PostForm.Get("code")))
	if err != nil {
		return "", err
	}
	return "/c/" + id.String(), nil
}

func (s *Server) newPost(r *http.Request) (string, error) {
	community, err := pathID(r)
	if err != nil {
		return "", err
	}
	id, err := s.backend.Post(r.Context(), community, api.PostRequest{Type: r.PostForm.Get("type"),
		Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Tags: splitTags(r.PostForm.Get("tags")), Files: uploaded(r)})
	if err != nil {
		return "", err
	}
	return "/t/" + id.String(), nil
}

func (s *Server) newReply(r *http.Request) (string, error) {
	post, err := pathID(r)
	if err != nil {
		return "", err
	}
	reply, err := s.backend.Reply(r.Context(), post, api.ReplyRequest{Body: r.PostForm.Get("body"), Files: uploaded(r)})
	if err != nil {
		return "", err
	}
	return s.replyLink(r, post, reply), nil
}

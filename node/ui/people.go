package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// People: a community's directory, who knows about a topic, a member's
// page, and this member's own profile.

const (
	// peoplePageSize is the members one page of the directory shows.
	peoplePageSize = 50
	// peopleListSize is the threads and accepted answers a member's page
	// shows at a time.
	peopleListSize = 20
	// maxExpertsShown bounds the answer to "who knows about…".
	maxExpertsShown = 50
	// memberScanPages bounds the search for one member's profile: that
	// many pages of the largest size (500) of a community's members.
	memberScanPages = 20
)

// personRow is a member as the directory lists them.
type personRow struct {
	api.Member
	Me bool
}

// expertRow is a member who knows about a topic, with the evidence in
// words.
type expertRow struct {
	api.Expert
	Evidence string
	Me       bool
}

type peoplePage struct {
	Community api.Community
	Members   []personRow
	Cursor    string // of this page, empty on the first
	Next      string
	// Topic is the "who knows about" question, normalised as tags are;
	// Asked says one was asked.
	Topic       string
	Asked       bool
	TopicError  string
	Experts     []expertRow
	MoreExperts int
	Live        protocol.ID
}

// people is a community's directory and its "who knows about" search.
func (s *Server) people(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	q := r.URL.Query()
	p := peoplePage{Community: c, Cursor: q.Get("cursor"), Live: id}
	if topic := strings.TrimSpace(q.Get("topic")); topic != "" {
		p.Asked, p.Topic = true, protocol.NormalizeTag(topic)
		experts, err := s.backend.Experts(r.Context(), id, topic)
		switch {
		case errors.Is(err, api.ErrBadRequest):
			p.TopicError = fmt.Sprintf("%q is not a topic: topics are tags, made of letters, digits and - _ . + #.", topic)
		case err != nil:
			return "", nil, err
		}
		if len(experts) > maxExpertsShown {
			p.MoreExperts = len(experts) - maxExpertsShown
			experts = experts[:maxExpertsShown]
		}
		for _, e := range experts {
			p.Experts = append(p.Experts, expertRow{Expert: e, Evidence: expertEvidence(e), Me: e.Key == st.MemberKey})
		}
	}
	members, err := s.backend.Members(r.Context(), id, p.Cursor, peoplePageSize)
	if err != nil {
		return "", nil, err
	}
	p.Next = members.Next
	for _, m := range members.Items {
		if m.Standing == "removed" {
			continue
		}
		p.Members = append(p.Members, personRow{Member: m, Me: m.Key == st.MemberKey})
	}
	return "people", p, nil
}

// expertEvidence says in words why a member knows about a topic.
func expertEvidence(e api.Expert) string {
	var parts []string
	if e.Accepted > 0 {
		parts = append(parts, pluralCount(e.Accepted, "accepted answer", "accepted answers"))
	}
	if e.Declared {
		parts = append(parts, "declared expertise")
	}
	if e.Helpful > 0 {
		parts = append(parts, pluralCount(e.Helpful, "helpful reaction", "helpful reactions"))
	}
	return strings.Join(parts, ", ")
}

func pluralCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

type personPage struct {
	Community api.Community
	Member    api.Member
	Me        bool
	// Threads are the threads the member started, newest first; Answers
	// the threads whose accepted answer the member wrote. Each is one
	// page: ThreadsCursor and AnswersCursor are the pages shown,
	// ThreadsNext and AnswersNext the following ones.
	Threads, Answers             []api.Thread
	ThreadsCursor, AnswersCursor string
	ThreadsNext, AnswersNext     string
	Live                         protocol.ID
}

// person is one member's page in a community: their profile, standing,
// threads and accepted answers.
func (s *Server) person(r *http.Request) (string, any, error) {
	id, err := pathID(r)
	if err != nil {
		return "", nil, err
	}
	key, err := protocol.ParsePublicKey(r.PathValue("key"))
	if err != nil {
		return "", nil, fmt.Errorf("%w: there is no page at %s: %q is not a member key (64 hexadecimal digits)", api.ErrNotFound, r.URL.Path, r.PathValue("key"))
	}
	c, err := s.findCommunity(r, id)
	if err != nil {
		return "", nil, err
	}
	m, found, err := s.memberInCommunity(r, id, key)
	if err != nil {
		return "", nil, err
	}
	if !found {
		return "", nil, fmt.Errorf("%w: %s is not a member of %s", api.ErrNotFound, key, c.Name)
	}
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	q := r.URL.Query()
	p := personPage{Community: c, Member: m, Me: key == st.MemberKey, Live: id,
		ThreadsCursor: q.Get("threads"), AnswersCursor: q.Get("answers")}
	threads, err := s.backend.Threads(r.Context(), id, api.ThreadQuery{Author: key, Cursor: p.ThreadsCursor, Limit: peopleListSize})
	if err != nil {
		return "", nil, err
	}
	answers, err := s.backend.Threads(r.Context(), id, api.ThreadQuery{AnsweredBy: key, Cursor: p.AnswersCursor, Limit: peopleListSize})
	if err != nil {
		return "", nil, err
	}
	p.Threads, p.ThreadsNext = threads.Items, threads.Next
	p.Answers, p.AnswersNext = answers.Items, answers.Next
	return "person", p, nil
}

// eachMember calls fn for the members of a community, page after page,
// reading at most memberScanPages pages, until fn returns false.
func (s *Server) eachMember(r *http.Request, community protocol.ID, fn func(api.Member) bool) error {
	cursor := ""
	for range memberScanPages {
		page, err := s.backend.Members(r.Context(), community, cursor, 500)
		if err != nil {
			return err
		}
		for _, m := range page.Items {
			if !fn(m) {
				return nil
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	return nil
}

// authorNames returns the display names of a community's members who
// published a profile, for pages to show who wrote what by name.
func (s *Server) authorNames(r *http.Request, community protocol.ID) (map[protocol.PublicKey]string, error) {
	names := make(map[protocol.PublicKey]string)
	err := s.eachMember(r, community, func(m api.Member) bool {
		if m.Name != "" {
			names[m.Key] = m.Name
		}
		return true
	})
	return names, err
}

// memberInCommunity looks for one member of a community.
func (s *Server) memberInCommunity(r *http.Request, community protocol.ID, key protocol.PublicKey) (api.Member, bool, error) {
	var found api.Member
	var ok bool
	err := s.eachMember(r, community, func(m api.Member) bool {
		found, ok = m, m.Key == key
		return !ok
	})
	if err != nil || !ok {
		return api.Member{}, false, err
	}
	return found, true, nil
}

type settingsPage struct {
	Key protocol.PublicKey
	// Profile is the current profile, empty when none was published yet.
	Profile    api.Member
	HasProfile bool
	Expertise  string // comma separated
	// Communities are those the profile would be published to: where
	// this member is admitted.
	Communities []api.Community
	// Published are the communities a profile was just published to;
	// Kept says it was kept instead, the member being in none yet.
	Published []api.Community
	Saved     bool
	Kept      bool
}

// canPublish says whether a standing lets the member publish.
func canPublish(standing string) bool {
	return standing == "founder" || standing == "moderator" || standing == "member"
}

// settings is this member's profile form.
func (s *Server) settings(r *http.Request) (string, any, error) {
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	p := settingsPage{Key: st.MemberKey}
	for _, c := range st.Communities {
		if canPublish(c.Standing) {
			p.Communities = append(p.Communities, c)
		}
	}
	switch prof, err := s.backend.Profile(r.Context()); {
	case err == nil:
		p.Profile, p.HasProfile = api.Member{Name: prof.Name, Org: prof.Org, Expertise: prof.Expertise, Bio: prof.Bio}, true
		p.Expertise = strings.Join(prof.Expertise, ", ")
	case !errors.Is(err, api.ErrNotFound):
		return "", nil, err
	}
	p.Kept = r.URL.Query().Get("kept") != ""
	if published, ok := r.URL.Query()["published"]; ok {
		p.Saved = true
		for _, v := range strings.Split(strings.Join(published, ","), ",") {
			id, err := protocol.ParseID(strings.TrimSpace(v))
			if err != nil {
				continue
			}
			for _, c := range st.Communities {
				if c.ID == id {
					p.Published = append(p.Published, c)
				}
			}
		}
	}
	return "settings", p, nil
}

// splitComma reads a comma-separated form field.
func splitComma(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// setProfile publishes this member's profile, then shows where.
func (s *Server) setProfile(r *http.Request) (string, error) {
	f := r.PostForm
	ans, err := s.backend.SetProfile(r.Context(), api.ProfileRequest{Name: strings.TrimSpace(f.Get("name")),
		Org: strings.TrimSpace(f.Get("org")), Expertise: splitComma(f.Get("expertise")), Bio: f.Get("bio")})
	if err != nil {
		return "", err
	}
	if ans.Kept {
		return "/settings?kept=1", nil
	}
	ids := make([]string, len(ans.Communities))
	for i, c := range ans.Communities {
		ids[i] = c.String()
	}
	return "/settings?" + url.Values{"published": {strings.Join(ids, ",")}}.Encode(), nil
}

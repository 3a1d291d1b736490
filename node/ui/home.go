package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// The home page: the member's communities with what is new in each since
// they last looked, the next events, and whether each is in sync.

// seenCookie remembers, in this browser, when each community page was
// last opened: "ID:unixms" pairs. A browser's own reading state, so it
// lives in the browser rather than in the signed records.
const (
	seenCookie = "kith_seen"
	maxSeen    = 40 // communities remembered; a cookie holds about 4 KB
)

// seen reads the seen cookie.
func seen(r *http.Request) map[protocol.ID]int64 {
	out := make(map[protocol.ID]int64)
	c, err := r.Cookie(cookieName(seenCookie, r))
	if err != nil {
		return out
	}
	for _, pair := range strings.Split(c.Value, ".") {
		id, ms, ok := strings.Cut(pair, ":")
		if !ok {
			continue
		}
		cid, err := protocol.ParseID(id)
		t, err2 := strconv.ParseInt(ms, 10, 64)
		if err == nil && err2 == nil {
			out[cid] = t
		}
	}
	return out
}

// markSeen records that the community page of id was opened now.
func markSeen(w http.ResponseWriter, r *http.Request, id protocol.ID) {
	m := seen(r)
	m[id] = time.Now().UnixMilli()
	ids := make([]protocol.ID, 0, len(m))
	for k := range m {
		ids = append(ids, k)
	}
	slices.SortFunc(ids, func(a, b protocol.ID) int { return int(m[b] - m[a]) })
	var b strings.Builder
	for i, k := range ids[:min(len(ids), maxSeen)] {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k.String() + ":" + strconv.FormatInt(m[k], 10))
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(seenCookie, r), Value: b.String(), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: 365 * 24 * 3600})
}

// homeCommunity is one community on the home page.
type homeCommunity struct {
	api.Community
	// Fresh counts threads with activity since the member last opened the
	// community (up to a page of them: FreshMore says there are more).
	Fresh     int
	FreshMore bool
	Sync      syncExplanation
}

type homePage struct {
	Forgot      string // a community was forgotten: what became of it (forget.go)
	Status      api.Status
	Communities []homeCommunity
	Events      []homeEvent
}

type homeEvent struct {
	api.Event
	CommunityName string
	When          string // as the events pages say it, with the zone
}

// homeEvents is how many upcoming events the home page lists.
const homeEvents = 5

func (s *Server) home(r *http.Request) (string, any, error) {
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	peers, err := s.backend.Peers(r.Context())
	if err != nil {
		return "", nil, err
	}
	last := seen(r)
	page := homePage{Status: st, Forgot: forgotMessage(r.URL.Query())}
	now := time.Now()
	for _, c := range st.Communities {
		hc := homeCommunity{Community: c, Sync: explainSync(c, peers, now)}
		threads, err := s.backend.Threads(r.Context(), c.ID, api.ThreadQuery{Active: true, Limit: 50})
		if err != nil {
			return "", nil, err
		}
		for _, t := range threads.Items {
			if t.LastActivity > last[c.ID] {
				hc.Fresh++
			}
		}
		hc.FreshMore = hc.Fresh == len(threads.Items) && threads.Next != ""
		page.Communities = append(page.Communities, hc)
		evs, err := s.backend.Events(r.Context(), c.ID, "", homeEvents)
		if err != nil {
			return "", nil, err
		}
		for _, e := range evs.Items {
			page.Events = append(page.Events, homeEvent{Event: e, CommunityName: c.Name, When: eventView(e).When})
		}
	}
	slices.SortFunc(page.Events, func(a, b homeEvent) int { return int(a.Start - b.Start) })
	page.Events = page.Events[:min(len(page.Events), homeEvents)]
	return "home", page, nil
}

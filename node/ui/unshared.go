package ui

import (
	"net/http"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// What the member wrote after a moderator removed them, before their node
// learned of it: no one else took it, and it left every page. The removal
// notice links this page, so that it reads as kept, not lost, and its
// text can be copied.

// unsharedPerPage is how many records the page lists; `kith community
// unshared` lists them all.
const unsharedPerPage = 100

type unsharedPage struct {
	Community api.Community
	Items     []unsharedRow
	More      bool
}

// unsharedRow is an unshared record with the page of what it is part of
// (a reply's thread), if any.
type unsharedRow struct {
	api.UnsharedRecord
	InLink string
}

// objectPaths are the UI's pages of threads, notes and events.
var objectPaths = map[string]string{"thread": "/t/", "note": "/n/", "event": "/e/"}

func (s *Server) unshared(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	list, err := s.backend.Unshared(r.Context(), c.ID, "", unsharedPerPage)
	if err != nil {
		return "", nil, err
	}
	page := unsharedPage{Community: c, More: list.Next != ""}
	listed := make(map[protocol.ID]bool)
	for _, u := range list.Items {
		listed[u.ID] = true
	}
	for _, u := range list.Items {
		row := unsharedRow{UnsharedRecord: u}
		switch p, ok := objectPaths[u.In]; {
		case u.InID != nil && listed[*u.InID]:
			row.InLink = "#u-" + u.InID.String() // a reply to a post of one's own that reached no one either
		case ok && u.InID != nil:
			row.InLink = p + u.InID.String()
		}
		page.Items = append(page.Items, row)
	}
	return "unshared", page, nil
}

package ui

import (
	"fmt"
	"net/http"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// The versions page: what a post, reply or event said before each edit
// (the pages that show one link to it from "edited").

type versionsPage struct {
	Community api.Community
	Versions  api.Versions
	Names     map[protocol.PublicKey]string
	// Back is the page that shows what the versions are of; What names
	// it ("a post"); Tab is the community tab it is under.
	Back, What, Tab string
	Edits           int
	// Newest first: the reader came from the current version.
	Items []versionItem
}

// versionItem is a version with its name on the page.
type versionItem struct {
	api.Version
	Label string // "Current version", "Version 2", "First version"
	// Changes is what it changed besides the text (an event's time, a
	// title, files); for the first, what it set besides its title and
	// tags.
	Changes []api.Change
}

func (s *Server) versions(r *http.Request) (string, any, error) {
	id, err := pathID(r)
	if err != nil {
		return "", nil, err
	}
	v, err := s.backend.Versions(r.Context(), id)
	if err != nil {
		return "", nil, s.noPageFor(r, err)
	}
	c, err := s.findCommunity(r, v.Community)
	if err != nil {
		return "", nil, err
	}
	page := versionsPage{Community: c, Versions: v}
	if page.Names, err = s.authorNames(r, v.Community); err != nil {
		return "", nil, err
	}
	switch v.Kind {
	case "post":
		page.Back, page.What, page.Tab = "/t/"+v.Record.String(), "a post", "threads"
	case "reply":
		page.Back, page.What, page.Tab = "/t/"+v.Thread.String()+"#r-"+v.Record.String(), "a reply", "threads"
	default:
		page.Back, page.What, page.Tab = "/e/"+v.Record.String(), "an event", "events"
	}
	page.Edits = len(v.Items) - 1
	for i := len(v.Items) - 1; i >= 0; i-- {
		label := fmt.Sprintf("Version %d", i+1)
		switch i {
		case len(v.Items) - 1:
			label = "Current version"
		case 0:
			label = "First version"
		}
		item := versionItem{Version: v.Items[i], Label: label}
		var prev api.Version // the first: what it set, as the CLI says
		if i > 0 {
			prev = v.Items[i-1]
		}
		for _, ch := range v.Items[i].Changes(prev, func(ms int64) string {
			return time.UnixMilli(ms).Local().Format("Mon 2 Jan 2006, 15:04 MST")
		}) {
			if i == 0 && (ch.Field == "title" || ch.Field == "tags") {
				continue // shown above it, as each version's are
			}
			item.Changes = append(item.Changes, ch)
		}
		page.Items = append(page.Items, item)
	}
	return "versions", page, nil
}

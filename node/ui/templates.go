package ui

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// parse reads every page template (templates/*.html but the layout and
// the partials), each with the layout and the partials, so that a page is
// added by adding its file.
func (s *Server) parse() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return fmt.Errorf("ui: list templates: %w", err)
	}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		if page == "layout" || page == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", name)
		if err != nil {
			return fmt.Errorf("ui: parse %s: %w", page, err)
		}
		s.pages[page] = t
	}
	return nil
}

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	// when formats a unix-millisecond time for people.
	// when is a moment as people read it, in a <time> element (which
	// keeps it on one line) carrying it for machines.
	"when": func(ms int64) template.HTML {
		if ms == 0 {
			return ""
		}
		t := time.UnixMilli(ms)
		return template.HTML(`<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04") + `</time>`)
	},
	// short is the start of an id or key: enough to tell them apart.
	"short": short,
	// kindWord is a record kind as members call it.
	"kindWord": api.KindWord,
	// The protocol's limits, for the forms' patterns: a browser stops the
	// member at the limit instead of the node refusing the form. Not
	// maxlength, which counts UTF-16 units: an emoji would count twice.
	"maxTitle": func() int { return protocol.MaxTitleRunes },
	"maxName":  func() int { return protocol.MaxNameRunes },
	"maxLine":  func() int { return protocol.MaxLineRunes },
	"who":      who,
	// markdown renders Markdown from anyone as sanitised HTML.
	"markdown": Markdown,
	// nav is what the community navigation partial needs: the community
	// and the tab being shown.
	"nav":   func(c api.Community, tab string) communityNav { return communityNav{Community: c, Tab: tab} },
	"idstr": func(id protocol.ID) string { return id.String() },
	"deref": func(id *protocol.ID) protocol.ID {
		if id == nil {
			return protocol.ID{}
		}
		return *id
	},
	"add": func(a, b int) int { return a + b },
	"derefKey": func(k *protocol.PublicKey) protocol.PublicKey {
		if k == nil {
			return protocol.PublicKey{}
		}
		return *k
	},
	// moderate is what the "moderate" partial needs to delete or hide
	// target in thread of community: deleting or hiding the thread's post
	// returns to the community's threads (its page is gone), anything
	// else to the thread.
	"moderate": func(community, thread, target protocol.ID, own, moderates bool) moderation {
		back := "/t/" + thread.String()
		if target == thread {
			back = "/c/" + community.String()
		}
		return moderation{Back: back, Target: target, Own: own, Moderates: moderates}
	},
	// reactions is what the "reactions" partial needs: counts and the
	// forms that add one to target, returning to back; none on the
	// member's own record (own), whose reactions only others give.
	"reactions": func(back string, target protocol.ID, r api.Reactions, own bool) reactionBar {
		return reactionBar{Back: back, Target: target, Reactions: r, Own: own}
	},
	// reaction is what the "reaction" partial needs: one reaction's
	// button in a reaction bar.
	"reaction": func(bar reactionBar, name, label, title string, count int) reactionButton {
		b := reactionButton{Name: name, Label: label, Title: title, Count: count}
		if id, ok := bar.Reactions.Mine[name]; ok {
			b.Mine = id.String()
		}
		return b
	},
	// join is a list of tags as one string, to compare two lists.
	"join": func(tags []string) string { return strings.Join(tags, ", ") },
	// files is what the "files" partial needs: a record's attachments,
	// and the page to come back to after fetching one (files.go).
	"files":    filesOf,
	"fileSize": api.ByteSize,
	"percent":  percent,
	"isImage":  isImage,
}

// short is the start of an id or key: enough to tell them apart.
func short(v fmt.Stringer) string {
	t := v.String()
	if len(t) > 12 {
		return t[:12] + "…"
	}
	return t
}

// moderates reports whether a standing, as the API gives it, may
// moderate: a founder's or a moderator's.
func moderates(standing string) bool { return standing == "founder" || standing == "moderator" }

// moderation is the data of the "moderate" partial: delete for the
// author and moderators, hide for moderators.
type moderation struct {
	Back           string // the page to return to
	Target         protocol.ID
	Own, Moderates bool
	// WholeNote: target is a note's first revision, whose deletion
	// deletes the note with revisions others wrote; the form asks to
	// confirm it.
	WholeNote bool
}

// reactionBar is the data of the "reactions" partial.
type reactionBar struct {
	Back      string
	Target    protocol.ID
	Reactions api.Reactions
	Own       bool
}

// reactionButton is the data of the "reaction" partial. Mine is the id
// of the member's record giving it ("" if they did not).
type reactionButton struct {
	Name, Label, Title string
	Count              int
	Mine               string
}

// communityNav is the data of the "community-nav" partial.
type communityNav struct {
	Community api.Community
	Tab       string
}

// who names an author for people (api.Who), by the names of a community.
func who(names map[protocol.PublicKey]string, k protocol.PublicKey) string {
	return api.Who(names[k], k)
}

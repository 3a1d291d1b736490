package api

import (
	"slices"
	"strings"

	"github.com/kith-network/kith/protocol"
)

// Change is a field an edit changed, other than the text (whose lines
// are Version.Lines): what it was and what it is now, in words; "" for
// none.
type Change struct {
	Field string `json:"field"`
	Was   string `json:"was"`
	Now   string `json:"now"`
}

// Changes lists what v changed in the fields of prev, the version before
// it (for the first, an empty Version: what it set), other than the
// text: the CLI and the web UI say it alike, each with its own way of
// writing a time (when). A note is named by its id's first 12 digits.
func (v Version) Changes(prev Version, when func(ms int64) string) []Change {
	var out []Change
	add := func(field, was, now string) {
		if was != now {
			out = append(out, Change{Field: field, Was: was, Now: now})
		}
	}
	at := func(ms int64) string {
		if ms == 0 {
			return ""
		}
		return when(ms)
	}
	add("title", prev.Title, v.Title)
	add("starts", at(prev.Start), at(v.Start))
	add("ends", at(prev.End), at(v.End))
	add("where", prev.where(), v.where())
	add("agenda", noteID(prev.Agenda), noteID(v.Agenda))
	add("minutes", noteID(prev.Minutes), noteID(v.Minutes))
	add("tags", strings.Join(prev.Tags, ", "), strings.Join(v.Tags, ", "))
	if !slices.EqualFunc(prev.Files, v.Files, func(a, b File) bool { return a.Hash == b.Hash && a.Name == b.Name }) {
		out = append(out, Change{Field: "files", Was: fileNames(prev.Files), Now: fileNames(v.Files)})
	}
	return out
}

// where is an event's place, or its link.
func (v Version) where() string {
	if v.Link != "" {
		return v.Link
	}
	return v.Place
}

func noteID(id *protocol.ID) string {
	if id == nil {
		return ""
	}
	return "note " + id.String()[:12]
}

func fileNames(fs []File) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

package api

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestChanges: what an edit changed besides the text, field by field;
// nothing for an edit of the text alone.
func TestChanges(t *testing.T) {
	when := func(ms int64) string { return strconv.FormatInt(ms, 10) }
	note := protocol.ID{0xab, 0xcd}
	a := Version{Title: "Drill", Start: 1000, Place: "Room 4", Tags: []string{"ops"}, Files: []File{{Hash: protocol.ID{1}, Name: "plan.pdf"}}}
	b := a
	b.Body = "new text"
	if got := b.Changes(a, when); len(got) != 0 {
		t.Errorf("an edit of the text alone: %+v", got)
	}
	b = Version{Title: "Drill", Start: 2000, End: 3000, Link: "https://meet.example.org", Agenda: &note, Tags: []string{"ops", "dr"},
		Files: []File{{Hash: protocol.ID{2}, Name: "slides.pdf"}}}
	want := []Change{{"starts", "1000", "2000"}, {"ends", "", "3000"}, {"where", "Room 4", "https://meet.example.org"},
		{"agenda", "", "note abcd00000000"}, {"tags", "ops", "ops, dr"}, {"files", "plan.pdf", "slides.pdf"}}
	if got := b.Changes(a, when); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n got %+v\nwant %+v", got, want)
	}
	if got := a.Changes(Version{}, when); len(got) != 5 || got[0] != (Change{"title", "", "Drill"}) {
		t.Errorf("what the first version set: %+v", got)
	}
}

package demo

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestDemoSeed: the sample, seeded on three nodes, is whole on every node:
// members with profiles, answered questions, notes with their history,
// the event with its answers.
func TestDemoSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nw, err := Start(ctx, t.TempDir(), Sample.Members, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := nw.Close(); err != nil {
			t.Error(err)
		}
	}()
	community, err := Seed(ctx, nw.Backends(), Sample, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	revisions := map[string]int{} // a note's current title -> its revisions
	for _, note := range Sample.Notes {
		title := note.Title
		for _, r := range note.Revisions {
			title = cmp.Or(r.Title, title)
		}
		revisions[title] = len(note.Revisions)
	}
	for i, n := range nw.Backends() {
		threads, err := n.Threads(ctx, community, api.ThreadQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(threads.Items) != len(Sample.Questions) {
			t.Errorf("node %d: %d threads, want %d", i+1, len(threads.Items), len(Sample.Questions))
		}
		for _, th := range threads.Items {
			if th.Accepted == nil || th.Replies < 2 {
				t.Errorf("node %d: thread %q: accepted %v, %d replies", i+1, th.Title, th.Accepted, th.Replies)
			}
		}
		notes, err := n.Notes(ctx, community, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, note := range notes.Items {
			if note.Revisions != revisions[note.Title] || note.Heads != 1 {
				t.Errorf("node %d: note %q: %d revisions, %d heads", i+1, note.Title, note.Revisions, note.Heads)
			}
		}
		if len(notes.Items) != len(Sample.Notes) {
			t.Errorf("node %d: %d notes, want %d", i+1, len(notes.Items), len(Sample.Notes))
		}
		events, err := n.Events(ctx, community, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(events.Items) != 1 || events.Items[0].Yes != 2 || events.Items[0].Maybe != 1 {
			t.Errorf("node %d: events %+v", i+1, events.Items)
		}
		members, err := n.Members(ctx, community, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range members.Items {
			names = append(names, m.Name+"/"+m.Standing)
		}
		slices.Sort(names)
		if want := []string{"Amara Okafor/founder", "Jonas Lindqvist/moderator", "Priya Raman/member"}; !slices.Equal(names, want) {
			t.Errorf("node %d: members %q, want %q", i+1, names, want)
		}
	}
}

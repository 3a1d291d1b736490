package node

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestVersions: a post's, reply's and event's versions are listed oldest
// first, each with what it changed, whichever version's id is given; a
// note is pointed to its revisions; a deleted post has none to show.
func TestVersions(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Versions"})
	must(t, err)
	post, err := n.Post(ctx, c, api.PostRequest{Title: "Backups", Body: "Run them nightly.\nKeep a week."})
	must(t, err)
	e1, err := n.Edit(ctx, post, api.EditRequest{Body: "Run them nightly.\nKeep a month."})
	must(t, err)
	_, err = n.Edit(ctx, post, api.EditRequest{Title: "Backups, tested"})
	must(t, err)
	v, err := n.Versions(ctx, e1)
	must(t, err)
	if v.Record != post || v.Thread != post || v.Kind != "post" || len(v.Items) != 3 {
		t.Fatalf("versions: %+v", v)
	}
	if v.Items[0].Title != "Backups" || v.Items[2].Title != "Backups, tested" || v.Items[1].ID != e1 {
		t.Errorf("versions in order: %+v", v.Items)
	}
	want := []api.DiffLine{{Op: " ", Text: "Run them nightly."}, {Op: "-", Text: "Keep a week."}, {Op: "+", Text: "Keep a month."}}
	if got := v.Items[1].Lines; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("what the edit changed: %+v", got)
	}
	if len(v.Items[2].Lines) != 2 || v.Items[2].Lines[0].Op != " " {
		t.Errorf("a title-only edit changed lines: %+v", v.Items[2].Lines)
	}

	reply, err := n.Reply(ctx, post, api.ReplyRequest{Body: "And test a restore."})
	must(t, err)
	_, err = n.Edit(ctx, reply, api.EditRequest{Body: "And test a restore, monthly."})
	must(t, err)
	if v, err := n.Versions(ctx, reply); err != nil || len(v.Items) != 2 || v.Thread != post || v.Kind != "reply" {
		t.Errorf("reply versions: %+v, %v", v, err)
	}
	ev, err := n.NewEvent(ctx, c, api.EventRequest{Title: "Restore drill", Start: time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)})
	must(t, err)
	_, err = n.EditEvent(ctx, ev, api.EventRequest{Title: "Restore drill, room 2"})
	must(t, err)
	if v, err := n.Versions(ctx, ev); err != nil || len(v.Items) != 2 || v.Items[1].Title != "Restore drill, room 2" {
		t.Errorf("event versions: %+v, %v", v, err)
	}

	note, err := n.NewNote(ctx, c, api.NoteRequest{Title: "Runbook", Body: "Steps."})
	must(t, err)
	if _, err := n.Versions(ctx, note); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("versions of a note: %v", err)
	}
	_, err = n.Delete(ctx, post, api.ModerationRequest{})
	must(t, err)
	if _, err := n.Versions(ctx, post); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("versions of a deleted post: %v", err)
	}
}

package node

import (
	"context"
	"fmt"
	"testing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestMergeMoreHeadsThanARevisionFollows: a note with more heads than one
// revision may follow (protocol.MaxParents) is merged by one Revise, as a
// chain of revisions with the merged text, and ends with one head. It
// was refused ("17 parents, the limit is 16") from the UI and the CLI
// alike, and the note stayed split for good.
func TestMergeMoreHeadsThanARevisionFollows(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	community, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Forks"})
	must(t, err)
	root, err := n.NewNote(ctx, community, api.NoteRequest{Title: "Forked", Body: "base"})
	must(t, err)
	const heads = 2*protocol.MaxParents + 3
	for i := range heads {
		_, err := n.Revise(ctx, root, api.RevisionRequest{Parents: []protocol.ID{root}, Body: fmt.Sprintf("variant %d", i)})
		must(t, err)
	}
	d, err := n.Note(ctx, root)
	must(t, err)
	if len(d.Heads) != heads {
		t.Fatalf("%d heads, want %d", len(d.Heads), heads)
	}
	last, err := n.Revise(ctx, root, api.RevisionRequest{Body: "merged"})
	must(t, err)
	d, err = n.Note(ctx, root)
	must(t, err)
	if len(d.Heads) != 1 || d.Heads[0].ID != last || d.Heads[0].Body != "merged" || d.Heads[0].Title != "Forked" {
		t.Fatalf("after the merge: %d heads, the first %s %q", len(d.Heads), d.Heads[0].ID, d.Heads[0].Body)
	}
	// 1 + heads revisions, then the merge in three steps (16, 15 + 1, 4 + 1).
	if want := 1 + heads + 3; len(d.History) != want {
		t.Errorf("%d revisions, want %d", len(d.History), want)
	}
}

// TestHistoryFollowsParents: a revision whose author's clock was behind
// (dated before the revision it follows) comes after it in the history,
// so that numbering and diffs read forwards.
func TestHistoryFollowsParents(t *testing.T) {
	first := api.Revision{ID: protocol.ID{1}, Created: 1000}
	late := api.Revision{ID: protocol.ID{2}, Created: 500, Parents: []protocol.ID{{1}}} // clock behind
	next := api.Revision{ID: protocol.ID{3}, Created: 2000, Parents: []protocol.ID{{2}}}
	apart := api.Revision{ID: protocol.ID{4}, Created: 1500, Parents: []protocol.ID{{1}, {9}}} // {9}: deleted, not held
	got := causalOrder([]api.Revision{late, first, apart, next})
	var ids []byte
	for _, r := range got {
		ids = append(ids, r.ID[0])
	}
	if string(ids) != "\x01\x02\x04\x03" {
		t.Errorf("order %v, want 1 2 4 3", ids)
	}
}

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

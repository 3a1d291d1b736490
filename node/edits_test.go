package node

import (
	"context"
	"fmt"
	"testing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/store"
)

// TestEditBackToAnEarlierText: a reply edited, then edited back to what
// it first said, takes the second edit, however deep in a long thread it
// is (the check that an edit changes something read the reply's version
// from the thread's first page only, and compared the edit with the
// reply's first text past it).
func TestEditBackToAnEarlierText(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	community, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Long"})
	must(t, err)
	post, err := n.Post(ctx, community, api.PostRequest{Title: "Roll call", Body: "Say hi"})
	must(t, err)
	for i := range store.MaxLimit {
		_, err := n.Reply(ctx, post, api.ReplyRequest{Body: fmt.Sprint("hi ", i)})
		must(t, err)
	}
	late, err := n.Reply(ctx, post, api.ReplyRequest{Body: "A"})
	must(t, err)
	_, err = n.Edit(ctx, late, api.EditRequest{Body: "B"})
	must(t, err)
	if _, err := n.Edit(ctx, late, api.EditRequest{Body: "A"}); err != nil {
		t.Errorf("editing the reply back to its first text: %v", err)
	}
	if _, err := n.Edit(ctx, late, api.EditRequest{Body: "A"}); !api.IsAlready(err) {
		t.Errorf("the same text again: %v, want it refused as changing nothing", err)
	}
}

package node

import (
	"context"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestActivityCountsThreads: the activity chart's threads are the
// threads shown, by the week their post was written: a post's edits and
// a deleted post counted as threads (the about page said 6 threads for
// 2).
func TestActivityCountsThreads(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Counted"})
	must(t, err)
	kept, err := n.Post(ctx, c, api.PostRequest{Title: "Kept", Body: "v1"})
	must(t, err)
	for _, body := range []string{"v2", "v3"} {
		_, err = n.Edit(ctx, kept, api.EditRequest{Body: body})
		must(t, err)
	}
	gone, err := n.Post(ctx, c, api.PostRequest{Title: "Gone", Body: "soon"})
	must(t, err)
	_, err = n.Delete(ctx, gone, api.ModerationRequest{})
	must(t, err)
	_, err = n.Reply(ctx, kept, api.ReplyRequest{Body: "a reply"})
	must(t, err)
	a, err := n.Activity(ctx, c)
	must(t, err)
	threads, replies := 0, 0
	for _, w := range a.Weeks {
		threads += w.Threads
		replies += w.Replies
	}
	if threads != 1 || replies != 1 {
		t.Errorf("a year's activity: %d threads, %d replies; want 1 and 1", threads, replies)
	}
}

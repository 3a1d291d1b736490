package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
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

// TestEditAttachments: an edit of a post or reply adds files and removes
// them by hash, keeping the text when only files change; removing a file
// the version does not have is refused, and an edit that changes nothing
// says so.
func TestEditAttachments(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Files"})
	must(t, err)
	upload := func(name string, seed uint64) api.File {
		f, err := n.AddFile(ctx, bytes.NewReader(fileBytes(2_000, seed)), name, "application/octet-stream")
		must(t, err)
		return f
	}
	a, b := upload("a.bin", 1), upload("b.bin", 2)
	post, err := n.Post(ctx, c, api.PostRequest{Title: "Plans", Body: "See attached.", Files: []api.File{a}})
	must(t, err)
	_, err = n.Edit(ctx, post, api.EditRequest{Files: []api.File{b}, Remove: []protocol.ID{a.Hash}})
	must(t, err)
	d, err := n.Thread(ctx, post)
	must(t, err)
	if len(d.Files) != 1 || d.Files[0].Hash != b.Hash || d.Body != "See attached." || d.Title != "Plans" {
		t.Errorf("post after swapping its file: files %+v, body %q, title %q", d.Files, d.Body, d.Title)
	}
	if _, err := n.Edit(ctx, post, api.EditRequest{Remove: []protocol.ID{a.Hash}}); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("removing a file the post no longer has: %v", err)
	}
	if _, err := n.Edit(ctx, post, api.EditRequest{Files: []api.File{b}}); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("adding the file the post has: %v, want 'changes nothing'", err)
	}

	reply, err := n.Reply(ctx, post, api.ReplyRequest{Body: "Here is mine.", Files: []api.File{a}})
	must(t, err)
	_, err = n.Edit(ctx, reply, api.EditRequest{Remove: []protocol.ID{a.Hash}})
	must(t, err)
	d, err = n.Thread(ctx, post)
	must(t, err)
	if len(d.Replies) != 1 || len(d.Replies[0].Files) != 0 || d.Replies[0].Body != "Here is mine." {
		t.Errorf("reply after removing its file: %+v", d.Replies)
	}

	ev, err := n.NewEvent(ctx, c, api.EventRequest{Title: "Review", Start: time.Now().Add(time.Hour).UTC().Format(time.RFC3339), Files: []api.File{a}})
	must(t, err)
	_, err = n.EditEvent(ctx, ev, api.EventRequest{Files: []api.File{b}, Remove: []protocol.ID{a.Hash}})
	must(t, err)
	if e, err := n.Event(ctx, ev); err != nil || len(e.Files) != 1 || e.Files[0].Hash != b.Hash {
		t.Errorf("event after swapping its file: %+v, %v", e.Files, err)
	}
}

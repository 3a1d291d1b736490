package node

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestForgetCommunity: a node that forgets a community deletes its
// records, search documents and the attachments only it names, stops
// replicating it while its peers go on writing, keeps its other
// communities, and gets it back whole by joining again.
func TestForgetCommunity(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	kept := shareCommunity(t, a, "Kept", b)
	gone := shareCommunity(t, a, "Forgotten", b)
	f, err := a.AddFile(ctx, bytes.NewReader(fileBytes(10_000, 7)), "map.bin", "application/octet-stream")
	must(t, err)
	census, err := a.Post(ctx, gone, api.PostRequest{Title: "Quokka census", Body: "Counting quokkas on the island.", Files: []api.File{f}})
	must(t, err)
	_, err = a.Reply(ctx, census, api.ReplyRequest{Body: "The same map, again.", Files: []api.File{f}}) // one file, named twice
	must(t, err)
	_, err = b.Post(ctx, gone, api.PostRequest{Title: "Quokka photos", Body: "Mine, from the ferry."})
	must(t, err)
	_, err = b.Post(ctx, kept, api.PostRequest{Title: "Kept thread", Body: "Quokkas elsewhere."})
	must(t, err)
	waitFor(t, "the attachment on b", 20*time.Second, func() bool { return b.blobs.Has(f.Hash) })
	searchTitleSet(t, b, api.SearchRequest{Query: "quokka"}, "post: Kept thread|post: Quokka census|post: Quokka photos|reply: Quokka census")

	preview, err := b.ForgetPreview(ctx, gone)
	must(t, err)
	if preview.Name != "Forgotten" || preview.Files != 1 || preview.Mine < 2 || preview.Records < 6 || preview.Standing != "member" {
		t.Errorf("preview: %+v", preview)
	}
	_, err = b.SyncCommunity(ctx, gone, true)
	must(t, err)
	if preview, err = b.ForgetPreview(ctx, gone); err != nil || preview.MaybeOnlyHere || preview.LastSync == 0 {
		t.Errorf("after a sync, the preview says what b wrote may be only here: %+v, %v", preview, err)
	}

	ans, err := b.Forget(ctx, gone)
	must(t, err)
	if ans.Name != "Forgotten" || uint64(ans.Records) < preview.Records || ans.Alone {
		t.Errorf("forget answered %+v; the preview counted %d accepted records", ans, preview.Records)
	}
	list, err := b.Communities(ctx)
	must(t, err)
	if len(list) != 1 || list[0].ID != kept {
		t.Fatalf("b's communities after forgetting: %+v", list)
	}
	if b.gossip.Joined(gone) {
		t.Error("b still replicates the forgotten community")
	}
	waitFor(t, "the attachment deleted on b", 20*time.Second, func() bool { return !b.blobs.Has(f.Hash) })
	if !a.blobs.Has(f.Hash) {
		t.Error("a lost the attachment")
	}
	searchTitles(t, b, api.SearchRequest{Query: "quokka"}, "post: Kept thread")
	if _, err := b.Threads(ctx, gone, api.ThreadQuery{}); err == nil {
		t.Error("b lists the threads of the forgotten community")
	}
	if _, err := b.Forget(ctx, gone); err == nil {
		t.Error("forgetting it again succeeded")
	}

	// a goes on; b takes none of it, through gossip or sync.
	_, err = a.Post(ctx, gone, api.PostRequest{Title: "Quokka census, part two"})
	must(t, err)
	if res, err := a.SyncCommunity(ctx, gone, true); err == nil || !strings.Contains(err.Error(), "none shares this community") {
		t.Errorf("a synced the forgotten community with %+v (%v); b no longer takes part", res.Results, err)
	}
	_, err = b.SyncCommunity(ctx, kept, true)
	must(t, err)
	if b.store.Membership(gone) != nil {
		t.Fatal("the community came back to b without a join")
	}
	if b.gossip.Joined(gone) {
		t.Error("b subscribed to the forgotten community again")
	}

	// Joined again: the whole history comes back.
	code, err := a.Invite(ctx, gone, api.InviteRequest{})
	must(t, err)
	_, err = b.Join(ctx, code.Code)
	must(t, err)
	waitFor(t, "the history back on b", 20*time.Second, func() bool { return countThreads(t, b, gone) == 3 })
	searchTitleSet(t, b, api.SearchRequest{Query: "quokka"},
		"post: Kept thread|post: Quokka census|post: Quokka census, part two|post: Quokka photos|reply: Quokka census")
	waitFor(t, "the attachment back on b", 20*time.Second, func() bool { return b.blobs.Has(f.Hash) })
}

// TestForgetLeavesNoSearchDocuments: a node stopped after its store forgot
// a community but before the search index did removes the documents
// at its next start.
func TestForgetLeavesNoSearchDocuments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := startSearchNode(t, dir)
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Wombats"})
	must(t, err)
	_, err = n.Post(ctx, c, api.PostRequest{Title: "Wombat burrows", Body: "Square droppings."})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "wombat"}, "post: Wombat burrows")
	// The store forgets; the node stops before the index hears of it.
	_, err = n.store.Forget(ctx, c)
	must(t, err)
	must(t, n.Close())

	n = startSearchNode(t, dir)
	defer n.Close()
	searchTitles(t, n, api.SearchRequest{Query: "wombat"}, "")
	if docs, err := n.index.index().IDs(ctx, "community", c.String()); err != nil || len(docs) != 0 {
		t.Errorf("the index holds %d documents of the forgotten community (%v)", len(docs), err)
	}
}

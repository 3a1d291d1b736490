package node

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
)

func startSearchNode(t *testing.T, dir string) *Node {
	t.Helper()
	n, err := Start(context.Background(), Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// searchTitles waits (up to 10 s) until a search gives want, the titles
// of its hits joined by "|" (kind: title), and fails otherwise.
func searchTitles(t *testing.T, n *Node, req api.SearchRequest, want string) {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := n.Search(context.Background(), req)
		if err != nil {
			t.Fatalf("search %+v: %v", req, err)
		}
		var parts []string
		for _, h := range res.Hits {
			parts = append(parts, h.Kind+": "+h.Title)
		}
		if got = strings.Join(parts, "|"); got == want && res.Lag.Records == 0 && res.Lag.Communities == 0 {
			return
		}
	}
	t.Fatalf("search %+v: %q, want %q", req, got, want)
}

// TestSearchFollowsTheStore: what members write is found as soon as it is
// indexed, with stemming and phrases, filtered, ranked with accepted
// answers first; a deleted post is no longer found; a reindex and an
// index deleted while the daemon was stopped both give the same answers.
func TestSearchFollowsTheStore(t *testing.T) {
	dir := t.TempDir()
	n := startSearchNode(t, dir)
	ctx := context.Background()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Routers"})
	must(t, err)
	q, err := n.Post(ctx, c, api.PostRequest{Type: "question", Title: "Configuring the VPN router", Body: "It drops packets after an hour.", Tags: []string{"network"}})
	must(t, err)
	_, err = n.Reply(ctx, q, api.ReplyRequest{Body: "Restart the router every morning."})
	must(t, err)
	good, err := n.Reply(ctx, q, api.ReplyRequest{Body: "Lower the MTU of the router to 1400."})
	must(t, err)
	_, err = n.Accept(ctx, good)
	must(t, err)
	doomed, err := n.Post(ctx, c, api.PostRequest{Title: "Printer queue stuck", Body: "The queue never empties."})
	must(t, err)
	_, err = n.NewNote(ctx, c, api.NoteRequest{Title: "Router checklist", Body: "Check the cables, then the firmware."})
	must(t, err)
	_, err = n.SetProfile(ctx, api.ProfileRequest{Name: "Ada", Expertise: []string{"network"}, Bio: "Routers since 1999."})
	must(t, err)

	searchTitles(t, n, api.SearchRequest{Query: "configured", Kind: "post"}, "post: Configuring the VPN router")
	searchTitles(t, n, api.SearchRequest{Query: `"drops packets"`}, "post: Configuring the VPN router")
	searchTitles(t, n, api.SearchRequest{Query: "router", Kind: "reply", Answered: "yes"}, "reply: Configuring the VPN router")
	searchTitles(t, n, api.SearchRequest{Query: "firmware", Kind: "note", Community: c.String()}, "note: Router checklist")
	searchTitles(t, n, api.SearchRequest{Query: "routers", Kind: "profile", Tag: "network"}, "profile: Ada")
	// A profile has no time of its own: none is given (not the year 1).
	if res, err := n.Search(ctx, api.SearchRequest{Query: "routers", Kind: "profile"}); err != nil || len(res.Hits) != 1 || res.Hits[0].Created != 0 {
		t.Errorf("profile hit: %+v %v", res.Hits, err)
	}
	res, err := n.Search(ctx, api.SearchRequest{Query: "router", Kind: "reply"})
	must(t, err)
	if len(res.Hits) != 2 || !res.Hits[0].Accepted || !strings.Contains(res.Hits[0].Snippet, "MTU") || res.Hits[0].Link != "/t/"+q.String()+"#r-"+good.String() {
		t.Errorf("the accepted answer does not come first: %+v", res.Hits)
	}
	if _, err := n.Search(ctx, api.SearchRequest{Query: `"unclosed`}); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("a broken query: %v, want a bad request", err)
	}
	if _, err := n.Search(ctx, api.SearchRequest{Query: "router", From: "yesterday"}); !errors.Is(err, api.ErrBadRequest) {
		t.Errorf("a bad date: %v, want a bad request", err)
	}

	searchTitles(t, n, api.SearchRequest{Query: "queue"}, "post: Printer queue stuck")
	_, err = n.Delete(ctx, doomed, api.ModerationRequest{Reason: "wrong place"})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "queue"}, "")

	// The same answers, hit for hit and in order, from a reindexed index
	// and from one rebuilt at start.
	queries := []api.SearchRequest{{Query: "router"}, {Query: "router", Kind: "reply"}, {Query: "checklist firmware"},
		{Query: "routers", Tag: "network"}, {Query: "queue"}, {Query: `"drops packets"`}}
	answers := func() string {
		t.Helper()
		var out []string
		for _, q := range queries {
			res, err := n.Search(ctx, q)
			must(t, err)
			for _, h := range res.Hits {
				out = append(out, h.Link+" "+h.Title)
			}
			out = append(out, "--")
		}
		return strings.Join(out, "\n")
	}
	before := answers()
	if strings.Count(before, "/") < 6 {
		t.Fatalf("too few answers to compare:\n%s", before)
	}
	must(t, n.Reindex(ctx))
	searchTitles(t, n, api.SearchRequest{Query: "configured", Kind: "post"}, "post: Configuring the VPN router")
	if after := answers(); after != before {
		t.Errorf("after a reindex:\n%s\nbefore:\n%s", after, before)
	}

	// Stopped, its index deleted, started again: rebuilt from the store.
	must(t, n.Close())
	must(t, os.RemoveAll(filepath.Join(dir, SearchDir)))
	n = startSearchNode(t, dir)
	defer n.Close()
	searchTitles(t, n, api.SearchRequest{Query: "router", Kind: "reply", Answered: "yes"}, "reply: Configuring the VPN router")
	searchTitles(t, n, api.SearchRequest{Query: "firmware"}, "note: Router checklist")
	if after := answers(); after != before {
		t.Errorf("after a rebuild at start:\n%s\nbefore:\n%s", after, before)
	}
}

// TestSearchCatchesUpAfterACrash: records stored while the index was not
// told (a crash between the two) are indexed at the next start.
func TestSearchCatchesUpAfterACrash(t *testing.T) {
	dir := t.TempDir()
	n := startSearchNode(t, dir)
	ctx := context.Background()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Crashy"})
	must(t, err)
	_, err = n.Post(ctx, c, api.PostRequest{Title: "Before the crash", Body: "alpha"})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "crash"}, "post: Before the crash")
	// The index stops hearing about records, as if the daemon died
	// between storing and indexing.
	deaf := n.index
	n.index = nil
	_, err = n.Post(ctx, c, api.PostRequest{Title: "Lost in the crash", Body: "bravo"})
	must(t, err)
	n.index = deaf
	time.Sleep(300 * time.Millisecond)
	if res, err := n.Search(ctx, api.SearchRequest{Query: "lost"}); err != nil || len(res.Hits) != 0 {
		t.Fatalf("the index heard of a record it should not have: %+v %v", res, err)
	}
	must(t, n.Close())
	n = startSearchNode(t, dir)
	defer n.Close()
	searchTitles(t, n, api.SearchRequest{Query: "lost"}, "post: Lost in the crash")
	searchTitles(t, n, api.SearchRequest{Query: "alpha"}, "post: Before the crash")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

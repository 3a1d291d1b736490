package node

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
	"github.com/kith-network/kith/search"
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
	waitSearch(t, n, req, want, false)
}

// searchTitleSet is searchTitles for hits whose order does not matter
// (equal scores): want lists their titles sorted.
func searchTitleSet(t *testing.T, n *Node, req api.SearchRequest, want string) {
	t.Helper()
	waitSearch(t, n, req, want, true)
}

func waitSearch(t *testing.T, n *Node, req api.SearchRequest, want string, sorted bool) {
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
		if sorted {
			slices.Sort(parts)
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

// TestSearchForgetsAReplacedStore: a store moved aside (after damage, as
// kith's advice says) and started afresh leaves no search hit for the
// records it held: the index was made from another store and starts
// again.
func TestSearchForgetsAReplacedStore(t *testing.T) {
	dir := t.TempDir()
	n := startSearchNode(t, dir)
	ctx := context.Background()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Moved"})
	must(t, err)
	_, err = n.Post(ctx, c, api.PostRequest{Title: "Calibrate the probe", Body: "buffers"})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "calibrate"}, "post: Calibrate the probe")
	must(t, n.Close())
	must(t, os.Rename(filepath.Join(dir, home.StoreDir), filepath.Join(dir, "store.damaged")))
	n = startSearchNode(t, dir)
	defer n.Close()
	if res, err := n.Search(ctx, api.SearchRequest{Query: "calibrate"}); err != nil || len(res.Hits) != 0 {
		t.Errorf("a search answers from the store moved aside: %+v %v", res.Hits, err)
	}
}

// TestSearchEventsByCreation: --from/--to filter events, like every
// other kind, by when they were written (announced), not by when they
// take place; a date given as the end of the range includes that whole
// day (from=D&to=D is day D, not an empty range); an event that is over
// links to the past events page, one still to come to the upcoming one.
func TestSearchEventsByCreation(t *testing.T) {
	n := startSearchNode(t, t.TempDir())
	defer n.Close()
	ctx := context.Background()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Meetups"})
	must(t, err)
	before := time.Now()
	lastYear := before.AddDate(-1, 0, 0).UTC()
	past, err := n.NewEvent(ctx, c, api.EventRequest{Title: "Router meetup", Start: lastYear.Format(time.RFC3339)})
	must(t, err)
	soon := before.AddDate(0, 0, 30).UTC()
	coming, err := n.NewEvent(ctx, c, api.EventRequest{Title: "Router summit", Start: soon.Format(time.RFC3339),
		End: soon.Add(2 * time.Hour).Format(time.RFC3339)})
	must(t, err)
	after := time.Now()
	searchTitleSet(t, n, api.SearchRequest{Query: "router", Kind: "event"}, "event: Router meetup|event: Router summit")

	res, err := n.Search(ctx, api.SearchRequest{Query: "router", Kind: "event"})
	must(t, err)
	links := make(map[string]string)
	starts := make(map[string]int64)
	for _, h := range res.Hits {
		// (The index gives times to the second.)
		if h.Created < before.Truncate(time.Second).UnixMilli() || h.Created > after.UnixMilli() {
			t.Errorf("%s: created %s, want when it was announced (%s)", h.Title, time.UnixMilli(h.Created).UTC(), before.UTC())
		}
		links[h.Title] = h.Link
		starts[h.Title] = h.Starts
	}
	// Each says when it takes place, too.
	if starts["Router meetup"] != lastYear.Truncate(time.Second).UnixMilli() || starts["Router summit"] != soon.Truncate(time.Second).UnixMilli() {
		t.Errorf("events start %v, want %v and %v", starts, lastYear.UnixMilli(), soon.UnixMilli())
	}
	if want := "/e/" + past.String(); links["Router meetup"] != want {
		t.Errorf("the event that is over links to %q, want %q", links["Router meetup"], want)
	}
	if want := "/e/" + coming.String(); links["Router summit"] != want {
		t.Errorf("the event to come links to %q, want %q", links["Router summit"], want)
	}

	// The day they were announced (in UTC, as the API reads a date),
	// from and to the same day: both. The day the first takes place, or
	// the day before the announcement: neither.
	day := time.UnixMilli(res.Hits[0].Created).UTC().Format(time.DateOnly)
	searchTitleSet(t, n, api.SearchRequest{Query: "router", Kind: "event", From: day, To: day}, "event: Router meetup|event: Router summit")
	searchTitleSet(t, n, api.SearchRequest{Query: "router", Kind: "event", To: day}, "event: Router meetup|event: Router summit")
	startDay := lastYear.Format(time.DateOnly)
	searchTitleSet(t, n, api.SearchRequest{Query: "router", Kind: "event", From: startDay, To: startDay}, "")
	dayBefore := time.UnixMilli(res.Hits[0].Created).UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	searchTitleSet(t, n, api.SearchRequest{Query: "router", Kind: "event", To: dayBefore}, "")
	// A time as the end stays exclusive: up to the announcement's
	// millisecond is before it.
	searchTitleSet(t, n, api.SearchRequest{Query: "router", Kind: "event", To: before.Add(-time.Second).UTC().Format(time.RFC3339)}, "")
	if _, err := n.Search(ctx, api.SearchRequest{Query: "router", From: day, To: dayBefore}); !errors.Is(err, api.ErrBadRequest) ||
		!strings.Contains(err.Error(), "ends before it starts") || strings.Count(err.Error(), "bad ") != 1 {
		t.Errorf("a range that ends before it starts: %v, want one bad request", err)
	}
	at := before.UTC().Format(time.RFC3339)
	if _, err := n.Search(ctx, api.SearchRequest{Query: "router", From: at, To: at}); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "or where it starts") {
		t.Errorf("a range that ends where it starts: %v", err)
	}
}

// TestSearchReindexesOlderDocuments: an index whose documents were
// derived otherwise by an older version (events kept under their start,
// and a digest without the documents' version) is indexed again at
// start, though the store's digest is the same.
func TestSearchReindexesOlderDocuments(t *testing.T) {
	dir := t.TempDir()
	n := startSearchNode(t, dir)
	ctx := context.Background()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Upgrades"})
	must(t, err)
	start := time.Now().AddDate(-1, 0, 0).UTC()
	ev, err := n.NewEvent(ctx, c, api.EventRequest{Title: "Firmware meetup", Start: start.Format(time.RFC3339)})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "firmware"}, "event: Firmware meetup")
	res, err := n.Search(ctx, api.SearchRequest{Query: "firmware"})
	must(t, err)
	day := time.UnixMilli(res.Hits[0].Created).UTC().Format(time.DateOnly)
	must(t, n.Close())

	// What an older version left: the event under its start, and the
	// store's digest alone.
	idx, err := search.Open(filepath.Join(dir, SearchDir))
	must(t, err)
	digest, err := idx.Meta(digestKey(c))
	must(t, err)
	old := strings.TrimPrefix(string(digest), fmt.Sprintf("v%d/", docsVersion))
	doc := map[string]*search.Doc{"event/" + ev.String(): {Community: c.String(), Kind: search.KindEvent, Thread: ev.String(),
		Record: ev.String(), Title: "Firmware meetup", Author: res.Hits[0].Author.String(), Created: start, Current: true}}
	must(t, idx.Apply(ctx, doc, nil, map[string][]byte{digestKey(c): []byte(old)}))
	must(t, idx.Close())

	n = startSearchNode(t, dir)
	defer n.Close()
	searchTitles(t, n, api.SearchRequest{Query: "firmware", From: day, To: day}, "event: Firmware meetup")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSearchFollowsMembership: records whose status or effect a later
// control record changes are found, or no longer found, accordingly: a
// post that came before its author's join (held aside) is found once the
// join arrives; a post that a removal dated before it makes refused,
// arriving after the post, is no longer found; a hide that a late grant
// of moderation makes effective hides.
func TestSearchFollowsMembership(t *testing.T) {
	ctx := context.Background()
	n := startSearchNode(t, t.TempDir())
	defer n.Close()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Routers"})
	must(t, err)
	early, late := prototest.Key("early"), prototest.Key("late")
	now := time.Now()
	post := prototest.Sign(t, early, c, now.Add(-time.Minute), protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: "Firmware before joining"})
	must(t, n.ingest(ctx, []*protocol.Record{post}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "firmware"}, "")
	join := prototest.Sign(t, early, c, now.Add(-2*time.Minute), protocol.Refs{}, &protocol.Join{})
	must(t, n.ingest(ctx, []*protocol.Record{join}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "firmware"}, "post: Firmware before joining")

	must(t, n.ingest(ctx, []*protocol.Record{prototest.Sign(t, late, c, now.Add(-3*time.Minute), protocol.Refs{}, &protocol.Join{})}, "gossip"))
	refused := prototest.Sign(t, late, c, now.Add(-time.Second), protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion, Title: "Cabling after removal"})
	must(t, n.ingest(ctx, []*protocol.Record{refused}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "cabling"}, "post: Cabling after removal")
	removal := prototest.Sign(t, n.id.Member, c, now.Add(-30*time.Second), protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(late), Action: protocol.RoleRemove})
	must(t, n.ingest(ctx, []*protocol.Record{removal}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "cabling"}, "")

	// A hide by someone not admitted is held aside, until a role dated
	// before it arrives that made its author a moderator (their first
	// admission): then it hides.
	mod := prototest.Key("moderator to be")
	sauce, err := n.Post(ctx, c, api.PostRequest{Title: "Secret sauce", Body: "for the soil"})
	must(t, err)
	spam, err := n.Reply(ctx, sauce, api.ReplyRequest{Body: "Buy my bargain tonic"})
	must(t, err)
	hide := prototest.Sign(t, mod, c, time.Now(), protocol.Refs{Target: spam}, &protocol.Hide{Reason: "spam"})
	must(t, n.ingest(ctx, []*protocol.Record{hide}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "bargain"}, "reply: Secret sauce")
	grant := prototest.Sign(t, n.id.Member, c, now.Add(-2*time.Minute), protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(mod), Action: protocol.RoleModerator})
	must(t, n.ingest(ctx, []*protocol.Record{grant}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "bargain"}, "")
	searchTitles(t, n, api.SearchRequest{Query: "sauce"}, "post: Secret sauce")
}

// TestSearchThreadChangesMatchAReindex: a thread changed step by step
// (replies, a reply's edit, reactions, the post's edit, an accept), each
// step indexed as it comes (a new reply or a reaction indexes its own
// document only), is found as a reindex from scratch finds it.
func TestSearchThreadChangesMatchAReindex(t *testing.T) {
	ctx := context.Background()
	n, b := startTestNode(t), startTestNode(t)
	c := shareCommunity(t, n, "Bench", b)
	q, err := n.Post(ctx, c, api.PostRequest{Type: "question", Title: "Soldering iron tips", Body: "Mine go black in a week."})
	must(t, err)
	var replies []protocol.ID
	for _, text := range []string{"Use brass wool on the tip.", "Tin the tip before storing the iron.", "Lower the iron temperature."} {
		r, err := n.Reply(ctx, q, api.ReplyRequest{Body: text})
		must(t, err)
		replies = append(replies, r)
	}
	searchTitles(t, n, api.SearchRequest{Query: "brass"}, "reply: Soldering iron tips")
	_, err = n.Edit(ctx, replies[0], api.EditRequest{Body: "Use brass wool, never a wet sponge."})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "sponge"}, "reply: Soldering iron tips")
	// b's reactions reach n by gossip: n has the records first.
	// The thread shown, not only the reply held: gossip may bring the
	// reply before its post.
	waitFor(t, "b has the thread", 10*time.Second, func() bool {
		d, err := b.Thread(ctx, q)
		return err == nil && len(d.Replies) == len(replies)
	})
	_, err = b.React(ctx, replies[1], api.ReactRequest{Reaction: "helpful"})
	must(t, err)
	r, err := b.React(ctx, q, api.ReactRequest{Reaction: "helpful"})
	must(t, err)
	waitFor(t, "n has b's reaction", 10*time.Second, func() bool { _, err := n.store.Get(ctx, r); return err == nil })
	searchTitles(t, n, api.SearchRequest{Query: "week"}, "post: Soldering iron tips")
	_, err = n.Edit(ctx, q, api.EditRequest{Title: "Soldering iron tips wear out", Body: "Mine go black in a week."})
	must(t, err)
	// Every reply carries the thread's title.
	searchTitleSet(t, n, api.SearchRequest{Query: "wear", Kind: "reply"}, "reply: Soldering iron tips wear out|reply: Soldering iron tips wear out|reply: Soldering iron tips wear out")
	_, err = n.Accept(ctx, replies[2])
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "temperature", Answered: "yes"}, "reply: Soldering iron tips wear out")

	answers := func() string {
		t.Helper()
		var out []string
		for _, word := range []string{"iron", "tip", "brass", "sponge", "week", "temperature"} {
			res, err := n.Search(ctx, api.SearchRequest{Query: word})
			must(t, err)
			for _, h := range res.Hits {
				out = append(out, fmt.Sprintf("%s %s %q accepted=%v %s", word, h.Link, h.Title, h.Accepted, h.Snippet))
			}
		}
		slices.Sort(out)
		return strings.Join(out, "\n")
	}
	before := answers()
	must(t, n.Reindex(ctx))
	searchTitles(t, n, api.SearchRequest{Query: "sponge"}, "reply: Soldering iron tips wear out")
	if after := answers(); after != before {
		t.Errorf("a reindex finds otherwise:\n%s\nthan the thread indexed step by step:\n%s", after, before)
	}
}

// TestSearchAnswerAfterItsAccept: an accept that arrives before its reply
// takes effect when the reply comes; the question is then found as
// answered and the reply as its accepted answer, though the reply alone
// came (its own document would say nothing of the post).
func TestSearchAnswerAfterItsAccept(t *testing.T) {
	ctx := context.Background()
	n := startSearchNode(t, t.TempDir())
	defer n.Close()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Order"})
	must(t, err)
	q, err := n.Post(ctx, c, api.PostRequest{Type: "question", Title: "Compost too wet", Body: "It smells."})
	must(t, err)
	now := time.Now()
	reply := prototest.Sign(t, n.id.Member, c, now.Add(-2*time.Second), protocol.Refs{Root: q}, &protocol.Reply{Text: "Add dry leaves."})
	accept := prototest.Sign(t, n.id.Member, c, now.Add(-time.Second), protocol.Refs{Root: q, Target: reply.ID()}, &protocol.Accept{})
	must(t, n.ingest(ctx, []*protocol.Record{accept}, "gossip"))
	searchTitles(t, n, api.SearchRequest{Query: "compost", Answered: "yes"}, "")
	must(t, n.ingest(ctx, []*protocol.Record{reply}, "gossip"))
	searchTitleSet(t, n, api.SearchRequest{Query: "compost", Answered: "yes"}, "post: Compost too wet|reply: Compost too wet")
}

// TestThreadPartDocs: the documents made for some records of a thread
// are those records': the post's when it is named (a reaction to it), a
// reply's when it is.
func TestThreadPartDocs(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Parts"})
	must(t, err)
	q, err := n.Post(ctx, c, api.PostRequest{Type: "question", Title: "Parts", Body: "?"})
	must(t, err)
	r1, err := n.Reply(ctx, q, api.ReplyRequest{Body: "one"})
	must(t, err)
	_, err = n.Reply(ctx, q, api.ReplyRequest{Body: "two"})
	must(t, err)
	obj := protocol.Object{Type: protocol.ObjectThread, ID: q}
	for _, tc := range []struct {
		only map[protocol.ID]bool
		want []string
	}{
		{map[protocol.ID]bool{q: false}, []string{"post/" + q.String()}},
		{map[protocol.ID]bool{r1: true}, []string{"reply/" + r1.String()}},
		{map[protocol.ID]bool{r1: false, q: false}, []string{"post/" + q.String(), "reply/" + r1.String()}},
	} {
		_, docs, err := objectDocs(ctx, n.store, c, obj, tc.only)
		must(t, err)
		got := slices.Sorted(maps.Keys(docs))
		if !slices.Equal(got, tc.want) {
			t.Errorf("only %v: documents %v, want %v", tc.only, got, tc.want)
		}
	}
}

// TestSearchIndexOfAnOlderVersion: an index made before words were folded
// (bleve's English analyser) is rebuilt at start, so that a search typed
// without accents finds a title written with them.
func TestSearchIndexOfAnOlderVersion(t *testing.T) {
	dir := t.TempDir()
	n := startSearchNode(t, dir)
	ctx := context.Background()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Lakeside"})
	must(t, err)
	_, err = n.Post(ctx, c, api.PostRequest{Title: "Meet-up in Zürich", Body: "At the café by the lake."})
	must(t, err)
	searchTitles(t, n, api.SearchRequest{Query: "zurich cafe"}, "post: Meet-up in Zürich")
	must(t, n.Close())

	// What the versions before folding left: an index with the English
	// analyser, empty here (its digests would not match docsVersion
	// anyway).
	must(t, os.RemoveAll(filepath.Join(dir, SearchDir)))
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	old, err := bleve.New(filepath.Join(dir, SearchDir), m)
	must(t, err)
	must(t, old.Close())

	n = startSearchNode(t, dir)
	defer n.Close()
	searchTitles(t, n, api.SearchRequest{Query: "zurich cafe"}, "post: Meet-up in Zürich")
}

// TestSearchOlderRevisionLinksToIt: a hit in a note's older revision links
// to what that revision changed, not to the note's current text, where
// the words found are no longer (it led there, with nothing showing).
func TestSearchOlderRevisionLinksToIt(t *testing.T) {
	ctx := context.Background()
	n := startSearchNode(t, t.TempDir())
	defer n.Close()
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Wiki"})
	must(t, err)
	first, err := n.NewNote(ctx, c, api.NoteRequest{Title: "Locks", Body: "Use flock for the nightly job."})
	must(t, err)
	current, err := n.Revise(ctx, first, api.RevisionRequest{Body: "Use a lease in the database."})
	must(t, err)
	searchTitleSet(t, n, api.SearchRequest{Query: "flock"}, "note: Locks")
	searchTitleSet(t, n, api.SearchRequest{Query: "lease"}, "note: Locks")
	for query, want := range map[string]string{"flock": "/n/" + first.String() + "/diff?b=" + first.String(), "lease": "/n/" + current.String()} {
		res, err := n.Search(ctx, api.SearchRequest{Query: query})
		must(t, err)
		if len(res.Hits) != 1 || res.Hits[0].Link != want {
			t.Errorf("%q: %+v, want one hit linking to %s", query, res.Hits, want)
		}
	}
}

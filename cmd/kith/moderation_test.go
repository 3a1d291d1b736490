package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// memberKey is a daemon's member key.
func (d *daemon) memberKey(t *testing.T) string {
	t.Helper()
	var st api.Status
	if err := json.Unmarshal([]byte(d.mustRun(t, "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	return st.MemberKey.String()
}

// waitTitles waits until cond holds of the titles a node lists.
func waitTitles(t *testing.T, d *daemon, community, what string, cond func([]string) bool) {
	t.Helper()
	var got []string
	d.poll(t, 20*time.Second, func() string { return fmt.Sprintf("%s: not so on %s after 20s: %q", what, d.home, got) }, func() bool {
		got = d.threads(t, community)
		return cond(got)
	})
}

// grepStore reports whether any file of a daemon's store holds text.
func grepStore(t *testing.T, d *daemon, text string) bool {
	t.Helper()
	found := false
	filepath.WalkDir(filepath.Join(d.home, "store"), func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), text) {
			t.Logf("%s holds the text", path)
			found = true
		}
		return nil
	})
	return found
}

// TestModeration: the founder makes b a moderator; a member who is not
// one cannot change roles or hide; b deletes c's post while c is offline,
// and once every node has caught up (c included), the post's text is on
// no node's disk; b hides a post, every member lists it as hidden, and
// only a moderator shows it again; after b removes c, c's new post is
// refused by every node.
func TestModeration(t *testing.T) {
	a, b, c := startDaemon(t), startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Moderated")
	code := strings.TrimSpace(a.mustRun(t, "community", "invite", community))
	b.createdID(t, "community", "join", code)
	c.createdID(t, "community", "join", code)
	bKey, cKey := b.memberKey(t), c.memberKey(t)

	// A member is named by the first digits of their key, as the member
	// list prints it; digits no member's key starts with, or not digits at
	// all, are refused before anything is written.
	for _, bad := range []struct{ arg, want string }{
		{strings.Repeat("0", 3), "too short"},
		{"Bob", `"Bob" is not a member key`},
		{absentPrefix(bKey, cKey, a.memberKey(t)), "no member of community"},
	} {
		if r := a.run(t, "member", "grant", community, bad.arg, "moderator"); r.code == 0 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("grant to %q: exit %d, %q; want %q", bad.arg, r.code, r.stderr, bad.want)
		}
	}
	if list := a.mustRun(t, "members", community); !strings.Contains(list, bKey[:12]+" ") || strings.Contains(list, bKey) {
		t.Errorf("the member list does not show the first 12 digits of keys:\n%s", list)
	}
	a.createdID(t, "member", "grant", community, bKey[:12], "moderator")
	var members []api.Member
	deadline := time.Now().Add(15 * time.Second)
	for {
		json.Unmarshal([]byte(c.mustRun(t, "members", community, "--json")), &members)
		if slices.ContainsFunc(members, func(m api.Member) bool { return m.Key.String() == bKey && m.Standing == "moderator" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b is not a moderator on c: %+v", members)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := c.run(t, "member", "remove", community, bKey); r.code == 0 || !strings.Contains(r.stderr, "only a moderator") {
		t.Errorf("remove by a member: exit %d, %q", r.code, r.stderr)
	}

	const secret = "the-password-is-hunter2-kith"
	leak := c.createdID(t, "post", "new", community, "--title", "Oops", "--body", "Our admin password: "+secret)
	announcement := a.createdID(t, "post", "new", community, "--title", "Welcome", "--announcement")
	for _, d := range []*daemon{a, b} {
		waitTitles(t, d, community, "both posts", func(ts []string) bool { return len(ts) == 2 })
	}
	c.stop(t)
	if r := a.run(t, "post", "hide", leak); r.code != 0 {
		t.Errorf("the founder (a moderator) could not hide: %q", r.stderr)
	}
	b.createdID(t, "post", "delete", leak, "--reason", "a password")
	c = startDaemonAt(t, c.home)
	for _, d := range []*daemon{a, b, c} {
		waitTitles(t, d, community, "the deleted post gone", func(ts []string) bool { return !slices.Contains(ts, "Oops") })
	}
	if r := c.run(t, "post", "hide", announcement); r.code == 0 || !strings.Contains(r.stderr, "only a moderator") {
		t.Errorf("hide by a member: exit %d, %q", r.code, r.stderr)
	}
	b.createdID(t, "post", "hide", announcement)
	for _, d := range []*daemon{a, b, c} {
		waitTitles(t, d, community, "the hidden post gone", func(ts []string) bool { return len(ts) == 0 })
	}
	// What is not shown takes no replies or reactions, which would be
	// stored and never seen; nor a second hide.
	for _, args := range [][]string{
		{"post", "reply", announcement, "--body", "into the void"},
		{"react", announcement, "helpful"},
	} {
		if r := c.run(t, args...); r.code == 0 || !strings.Contains(r.stderr, "is not shown: a moderator hid it") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
	if r := b.run(t, "post", "hide", announcement); r.code == 0 || !strings.Contains(r.stderr, "hidden already") {
		t.Errorf("a second hide: exit %d, %q", r.code, r.stderr)
	}
	// Every member can see what is hidden, by whom and why (the post a
	// hid and b deleted is gone, not hidden); only a moderator shows it
	// again, on every node.
	// The moderation log shows every member what moderators did: b's
	// deletion of c's post (with its reason, not its text), both hides.
	actions := func(es []api.ModerationEntry) string {
		var as []string
		for _, e := range es {
			as = append(as, e.Action)
		}
		return strings.Join(as, " ")
	}
	entries := waitJSON(t, c, "the moderation log on c", func(es []api.ModerationEntry) bool {
		return strings.HasPrefix(actions(es), "hide delete hide")
	}, "community", "log", community)
	if entries[1].Reason != "a password" || entries[1].By.String() != bKey || entries[1].Title != "a post" {
		t.Errorf("the deletion in the log: %+v", entries[1])
	}
	if out := c.mustRun(t, "community", "log", community); !strings.Contains(out, "a password") || strings.Contains(out, secret) || strings.Contains(out, "Oops") ||
		!strings.Contains(out, "deleted") || !strings.Contains(out, "hid") {
		t.Errorf("community log:\n%s", out)
	}
	var hidden []api.HiddenRecord
	must(t, json.Unmarshal([]byte(c.mustRun(t, "post", "hidden", community, "--json")), &hidden))
	if len(hidden) != 1 || hidden[0].ID.String() != announcement || hidden[0].HiddenBy.String() != bKey || hidden[0].Title != "Welcome" {
		t.Errorf("hidden on c: %+v, want the announcement hidden by b", hidden)
	}
	if r := c.run(t, "post", "unhide", announcement); r.code == 0 || !strings.Contains(r.stderr, "only a moderator") {
		t.Errorf("unhide by a member: exit %d, %q", r.code, r.stderr)
	}
	a.createdID(t, "post", "unhide", announcement, "--reason", "it was fine")
	for _, d := range []*daemon{a, b, c} {
		waitTitles(t, d, community, "the post shown again", func(ts []string) bool { return slices.Equal(ts, []string{"Welcome"}) })
	}
	if out := c.mustRun(t, "post", "hidden", community); !strings.Contains(out, "nothing is hidden") {
		t.Errorf("hidden after unhide: %q", out)
	}
	if r := a.run(t, "post", "unhide", announcement); r.code == 0 || !strings.Contains(r.stderr, "is not hidden") {
		t.Errorf("a second unhide: exit %d, %q", r.code, r.stderr)
	}

	b.createdID(t, "member", "remove", community, cKey, "--reason", "leaked a password")
	deadline = time.Now().Add(15 * time.Second)
	for {
		json.Unmarshal([]byte(c.mustRun(t, "members", community, "--json")), &members)
		if slices.ContainsFunc(members, func(m api.Member) bool { return m.Key.String() == cKey && m.Standing == "removed" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("c is not removed on c: %+v", members)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := c.run(t, "post", "new", community, "--title", "After removal"); r.code == 0 || !strings.Contains(r.stderr, "a moderator removed you from this community") {
		t.Errorf("post after removal: exit %d, %q", r.code, r.stderr)
	}
	// Joining again with the open code changes nothing, and says so.
	if r := c.run(t, "community", "join", code); r.code == 0 || !strings.Contains(r.stderr, "joining again does not change that") {
		t.Errorf("join after removal: exit %d, %q", r.code, r.stderr)
	}
	const kept = "this-text-stays-on-disk-kith"
	a.createdID(t, "post", "new", community, "--title", "Still here", "--body", kept)
	waitTitles(t, b, community, "a's post", func(ts []string) bool { return slices.Contains(ts, "Still here") })

	for _, d := range []*daemon{a, b, c} {
		d.stop(t)
		if grepStore(t, d, secret) {
			t.Errorf("the deleted post's text is still on %s's disk", d.home)
		}
	}
	if !grepStore(t, a, kept) {
		t.Error("a live post's text is not found on disk either: the search cannot see what it looks for")
	}
}

// TestRevokedInvite: in an invite-only community, a moderator withdraws a
// five-use invite after one member joined with it; the next person to use
// the code is refused by the members, whose records it never receives.
func TestRevokedInvite(t *testing.T) {
	a, b, x := startDaemon(t), startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Closed", "--invite-only")
	var code api.InviteCode
	if err := json.Unmarshal([]byte(a.mustRun(t, "community", "invite", community, "--uses", "5", "--label", "Acme pilot team", "--json")), &code); err != nil {
		t.Fatal(err)
	}
	b.createdID(t, "community", "join", code.Code)
	a.createdID(t, "community", "revoke", community, code.Invite.String())
	if r := a.run(t, "community", "revoke", community, code.Invite.String()); r.code == 0 || !strings.Contains(r.stderr, "revoked already") {
		t.Errorf("revoking twice: exit %d, %q", r.code, r.stderr)
	}
	if r := b.run(t, "community", "revoke", community, code.Invite.String()); r.code == 0 || !strings.Contains(r.stderr, "only a moderator") {
		t.Errorf("revoke by a member: exit %d, %q", r.code, r.stderr)
	}
	// The invites and their state, with the ids revoke takes.
	var invites []api.InviteInfo
	must(t, json.Unmarshal([]byte(a.mustRun(t, "community", "invites", community, "--json")), &invites))
	if len(invites) != 1 || invites[0].ID != code.Invite || invites[0].State != "revoked" || invites[0].Uses != 1 || invites[0].MaxUses != 5 || invites[0].Label != "Acme pilot team" {
		t.Errorf("invites: %+v", invites)
	}
	// The table shows ids as every list does: their first digits, which
	// revoke takes too.
	if out := a.mustRun(t, "community", "invites", community); !strings.Contains(out, code.Invite.String()[:shortDigits]+" ") || strings.Contains(out, code.Invite.String()) ||
		!strings.Contains(out, "1/5") || !strings.Contains(out, "Acme pilot team") {
		t.Errorf("invites as a table:\n%s", out)
	}
	a.createdID(t, "post", "new", community, "--title", "After the revocation")
	waitThreads(t, b, community, "After the revocation")
	if r := x.run(t, "community", "join", code.Code); r.code == 0 {
		t.Errorf("joined with a revoked invite: %q", r.stdout)
	}
	x.run(t, "post", "new", community, "--title", "Intruder")
	time.Sleep(2 * time.Second)
	for _, d := range []*daemon{a, b} {
		if got := d.threads(t, community); slices.Contains(got, "Intruder") {
			t.Errorf("a member lists %q", got)
		}
	}
	if r := x.run(t, "post", "list", community); r.code == 0 || !strings.Contains(r.stderr, "this node holds no community") {
		t.Errorf("the outsider holds the community: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// absentPrefix returns four hex digits that none of keys starts with.
func absentPrefix(keys ...string) string {
	for i := 0; ; i++ {
		p := fmt.Sprintf("%04x", i)
		if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, p) }) {
			return p
		}
	}
}

// TestUnshared: a member removed while their daemon was stopped, who
// wrote meanwhile (here: a reply put in the stopped node's store, as its
// daemon would), is told on return that it reached no one, and `kith
// community unshared` shows it, text and all.
func TestUnshared(t *testing.T) {
	a, b := startDaemon(t), startDaemon(t)
	community := a.createdID(t, "community", "create", "--name", "Rota", "--invite-only")
	b.createdID(t, "community", "join", strings.TrimSpace(a.mustRun(t, "community", "invite", community)))
	post := a.createdID(t, "post", "new", community, "--title", "December", "--body", "Who takes the 24th?")
	waitTitles(t, b, community, "a's post on b", func(ts []string) bool { return slices.Contains(ts, "December") })
	if out := b.mustRun(t, "community", "unshared", community); !strings.Contains(out, "nothing: you wrote nothing there") {
		t.Errorf("unshared before any removal: %q", out)
	}
	bKey := b.memberKey(t)
	b.stop(t)
	a.createdID(t, "member", "remove", community, bKey, "--reason", "left the team")

	id, err := home.Home{Dir: b.home}.Open()
	must(t, err)
	postID, err := protocol.ParseID(post)
	must(t, err)
	communityID, err := protocol.ParseID(community)
	must(t, err)
	reply, err := protocol.Sign(id.Member, communityID, time.Now().UnixMilli(), protocol.Refs{Root: postID}, &protocol.Reply{Text: "I take the 24th.\nAnd the 31st.\n\tcode\tas typed"})
	must(t, err)
	st, err := store.Open(filepath.Join(b.home, home.StoreDir), store.Options{})
	must(t, err)
	_, err = st.Put(context.Background(), reply)
	must(t, err)
	must(t, st.Close())

	b = startDaemonAt(t, b.home)
	cs := waitJSON(t, b, "b's daemon hears of the removal", func(cs []api.Community) bool { return len(cs) == 1 && cs[0].Standing == "removed" }, "community", "list", "--json")
	if cs[0].Unshared != 1 {
		t.Errorf("unshared count: %d, want 1", cs[0].Unshared)
	}
	if out := b.mustRun(t, "community", "list"); !strings.Contains(out, "1 record you wrote there after the removal reached no one: `kith community unshared "+community[:shortDigits]) {
		t.Errorf("community list:\n%s", out)
	}
	out := b.mustRun(t, "community", "unshared", community)
	for _, want := range []string{"reply · ", reply.ID().String()[:shortDigits], "in thread " + post[:shortDigits], "    I take the 24th.\n    And the 31st.\n    \tcode\tas typed\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("community unshared lacks %q:\n%s", want, out)
		}
	}
	var items []api.UnsharedRecord
	must(t, json.Unmarshal([]byte(b.mustRun(t, "community", "unshared", community, "--json")), &items))
	if len(items) != 1 || items[0].ID != reply.ID() || items[0].In != "thread" || items[0].InID == nil || *items[0].InID != postID {
		t.Errorf("community unshared --json: %+v", items)
	}
}

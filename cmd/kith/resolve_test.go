package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// TestShortIDs: commands take the first digits of an id (at least 4)
// when one record on the node has an id starting with them; digits that
// fit several are refused with each candidate and its title, too few
// digits and digits that fit nothing are refused saying so, and a file
// is found by the first digits of its hash.
func TestShortIDs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n, err := node.Start(ctx, node.Config{Home: home.Home{Dir: dir}, Loopback: true, API: "127.0.0.1:0", NoSearch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	cl, err := client.New(home.Home{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	community, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Short"})
	if err != nil {
		t.Fatal(err)
	}
	// Post until two ids share their first four digits (about 300 posts,
	// by the birthday bound on 65,536 prefixes).
	seen := make(map[string]protocol.ID)
	var twins [2]protocol.ID
	for i := 0; twins[0].IsZero(); i++ {
		if i == 5000 {
			t.Fatal("no two of 5,000 ids share four digits")
		}
		id, err := n.Post(ctx, community, api.PostRequest{Title: fmt.Sprintf("Post %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		p := id.String()[:4]
		if other, ok := seen[p]; ok {
			twins = [2]protocol.ID{other, id}
		}
		seen[p] = id
	}

	// Unique digits: the record.
	for _, digits := range []int{8, 13, 64} {
		got, err := resolveID(ctx, cl, twins[1].String()[:digits])
		if err != nil || got != twins[1] {
			t.Errorf("%d digits: %s, %v", digits, got, err)
		}
	}
	// Shared digits: refused, naming both with their titles.
	_, err = resolveID(ctx, cl, twins[0].String()[:4])
	if err == nil || !strings.Contains(err.Error(), "ambiguous") ||
		!strings.Contains(err.Error(), twins[0].String()) || !strings.Contains(err.Error(), twins[1].String()) ||
		!strings.Contains(err.Error(), "  post  Post ") {
		t.Errorf("ambiguous digits: %v", err)
	}
	if _, err := resolveID(ctx, cl, twins[0].String()[:3]); err == nil || !strings.Contains(err.Error(), "at least 4 digits") {
		t.Errorf("3 digits: %v", err)
	}
	for _, bad := range []string{"zzzz", "", twins[0].String() + "00"} {
		if _, err := resolveID(ctx, cl, bad); err == nil || !strings.Contains(err.Error(), "is not a record id: give its 64 hex digits") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	absent := ""
	for _, p := range []string{"0000", "0001", "0002", "0003"} {
		if _, ok := seen[p]; !ok && !strings.HasPrefix(community.String(), p) {
			absent = p
			break
		}
	}
	if _, err := resolveID(ctx, cl, absent); err == nil || !strings.Contains(err.Error(), "no record on this node has an id starting with "+absent) {
		t.Errorf("digits no record has: %v", err)
	}

	// A community, by digits that also start a record's id: only
	// communities count (they were "ambiguous" with the record). Made
	// until one shares its first digits with a post, about 200 of them.
	var shared protocol.ID
	for i := 0; shared.IsZero(); i++ {
		if i == 3000 {
			t.Fatal("no community of 3,000 shares four digits with a post")
		}
		c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: fmt.Sprintf("Twin %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := seen[c.String()[:4]]; ok {
			shared = c
		}
	}
	if _, err := resolveID(ctx, cl, shared.String()[:4]); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Fatalf("the community's digits are not ambiguous among records: this tests nothing (%v)", err)
	}
	if got, err := resolveCommunity(ctx, cl, shared.String()[:4]); err != nil || got != shared {
		t.Errorf("a community by digits a post shares: %s, %v", got, err)
	}
	if _, err := resolveCommunity(ctx, cl, twins[0].String()[:8]); err == nil || !strings.Contains(err.Error(), "no community this node holds") {
		t.Errorf("a post's digits as a community: %v", err)
	}

	// A file, by the first digits of its hash; record digits are not a file.
	f, err := n.AddFile(ctx, strings.NewReader("a checklist"), "checklist.txt", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Post(ctx, community, api.PostRequest{Title: "With a file", Files: []api.File{f}}); err != nil {
		t.Fatal(err)
	}
	if got, err := resolveFile(ctx, cl, f.Hash.String()[:10]); err != nil || got != f.Hash {
		t.Errorf("file by its first digits: %s, %v", got, err)
	}
	if _, err := resolveFile(ctx, cl, twins[1].String()[:10]); err == nil || !strings.Contains(err.Error(), "no file") {
		t.Errorf("a record's digits as a file: %v", err)
	}

	// The commands themselves take them.
	h := home.Home{Dir: dir}
	if r := kith(t, nil, "--home", h.Dir, "post", "show", twins[1].String()[:10]); r.code != 0 || !strings.Contains(r.stdout, "Post ") {
		t.Errorf("post show with 10 digits: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := kith(t, nil, "--home", h.Dir, "post", "list", community.String()[:6]); r.code != 0 || !strings.Contains(r.stdout, "With a file") {
		t.Errorf("post list with 6 digits of the community: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	} else if r.stderr != "the first 20 threads: more with --limit N or --all\n" {
		// Hundreds of threads, 20 shown: the list says there are more.
		t.Errorf("post list of the first 20 threads says %q on standard error", r.stderr)
	}
	if r := kith(t, nil, "--home", h.Dir, "post", "list", community.String(), "--all"); r.code != 0 || r.stderr != "" {
		t.Errorf("post list --all: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := kith(t, nil, "--home", h.Dir, "post", "show", twins[0].String()[:4]); r.code == 0 || !strings.Contains(r.stderr, "give more digits") {
		t.Errorf("post show with ambiguous digits: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

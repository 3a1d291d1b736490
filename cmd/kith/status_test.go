package main

import (
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestSyncWords: a sync in progress is said as far as it is known: no
// "0 of 0" before the missing records are counted.
func TestSyncWords(t *testing.T) {
	for _, tc := range []struct {
		st   api.SyncState
		want string
	}{
		{api.SyncState{InProgress: true}, "syncing: comparing records with a member's node"},
		{api.SyncState{InProgress: true, Fetched: 40}, "syncing: 40 records fetched"},
		{api.SyncState{InProgress: true, Fetched: 40, Missing: 100}, "syncing: 40 of 100 missing records fetched"},
		{api.SyncState{}, "not synced yet"},
	} {
		if got := syncWords(tc.st); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.st, got, tc.want)
		}
	}
}

// TestCommunityListSaysToJoinAgain: a community listed with no standing
// (a join interrupted, or not taken) comes with what to do, one the
// member was removed from with what that means; a member's with nothing.
func TestCommunityListSaysToJoinAgain(t *testing.T) {
	var b strings.Builder
	printCommunities(&b, []api.Community{{Name: "Soil", Standing: "member"}, {Name: "Board", Standing: "none", InviteOnly: true},
		{Name: "Club", Standing: "removed", InviteOnly: true, Unshared: 2}, {Name: "Square", Standing: "removed"}})
	out := b.String()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "removed you from Square") == strings.Contains(line, "no longer share") && strings.Contains(line, "removed you from") {
			t.Errorf("removed from an open community (Square), or an invite-only one (Club): %q", line)
		}
	}
	if !strings.Contains(out, "you are not a member of Board") || !strings.Contains(out, "run `kith community join` with a code") || !strings.Contains(out, "imported from an archive") || strings.Contains(out, "Soil (") ||
		!strings.Contains(out, "a moderator removed you from Club") || !strings.Contains(out, "2 records you wrote there after the removal reached no one") ||
		strings.Count(out, "after the removal") != 1 {
		t.Errorf("list:\n%s", out)
	}
}

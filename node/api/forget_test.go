package api

import (
	"strings"
	"testing"
)

// TestForgetStays: what forgetting leaves is said by the member's
// standing: "you stay a member" was said to a node that only imported a
// copy, and to a removed member.
func TestForgetStays(t *testing.T) {
	for standing, want := range map[string]string{
		"member": "you stay a member", "founder": "you stay a member", "moderator": "you stay a member",
		"none": "you are not a member (this node holds a copy)", "removed": "a moderator removed you",
	} {
		if got := (ForgetPreview{Standing: standing}).Stays(); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want it to say %q", standing, got, want)
		}
	}
	if w := (ForgetPreview{Standing: "none"}).AloneWarning(); strings.Contains(w, "You are its only member") {
		t.Errorf("the warning to a non-member: %q", w)
	}
	if !(ForgetPreview{Members: 1}).Alone() || (ForgetPreview{Members: 1, Peers: 1}).Alone() || (ForgetPreview{Members: 2}).Alone() {
		t.Error("Alone: the only member with no node that holds it connected, and only then")
	}
}

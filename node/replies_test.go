package node

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestThreadRepliesShown: a thread lists its replies up to a bound and
// says when it cut the list; the accepted answer is given even when it is
// past the cut; a reply to a reply names the reply it answers.
func TestThreadRepliesShown(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	community, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Long threads"})
	must(t, err)
	q, err := n.Post(ctx, community, api.PostRequest{Type: "question", Title: "Which soil?", Body: "?"})
	must(t, err)
	var replies []protocol.ID
	for i := range 5 {
		to := q
		if i == 1 {
			to = replies[0] // the second reply answers the first
		}
		r, err := n.Reply(ctx, to, api.ReplyRequest{Body: fmt.Sprintf("reply %d", i)})
		must(t, err)
		replies = append(replies, r)
	}
	_, err = n.Accept(ctx, replies[4])
	must(t, err)
	// A reply to what is not a post or a reply says what it is (it said
	// "the thread of ... is not shown").
	note, err := n.NewNote(ctx, community, api.NoteRequest{Title: "Soils", Body: "loam"})
	must(t, err)
	for what, id := range map[string]protocol.ID{"a community": community, "a note": note} {
		if _, err := n.Reply(ctx, id, api.ReplyRequest{Body: "hi"}); err == nil || !strings.Contains(err.Error(), "is "+what+", not a post or a reply") {
			t.Errorf("reply to %s: %v", what, err)
		}
	}

	all, err := n.Thread(ctx, q)
	must(t, err)
	if len(all.Replies) != 5 || all.RepliesCut {
		t.Fatalf("whole thread: %d replies, cut %v", len(all.Replies), all.RepliesCut)
	}
	if to := all.Replies[1].ReplyTo; to == nil || *to != replies[0] {
		t.Errorf("the reply to a reply answers %v, want %s", to, replies[0])
	}
	if a := all.Replies[1].ReplyToAuthor; a == nil || *a != n.id.MemberKey() {
		t.Errorf("the reply to a reply names %v as the author it answers", a)
	}
	if all.Replies[0].ReplyTo != nil {
		t.Errorf("a reply to the post names a reply: %v", all.Replies[0].ReplyTo)
	}

	defer func(was int) { shownReplies = was }(shownReplies)
	shownReplies = 3
	cut, err := n.Thread(ctx, q)
	must(t, err)
	if len(cut.Replies) != 3 || !cut.RepliesCut || cut.Thread.Replies != 5 {
		t.Fatalf("cut thread: %d replies listed, cut %v, count %d", len(cut.Replies), cut.RepliesCut, cut.Thread.Replies)
	}
	if cut.AcceptedReply == nil || cut.AcceptedReply.ID != replies[4] {
		t.Errorf("the accepted answer past the cut: %+v", cut.AcceptedReply)
	}

	shownReplies = 5
	if exact, err := n.Thread(ctx, q); err != nil || len(exact.Replies) != 5 || exact.RepliesCut {
		t.Errorf("a thread of exactly the bound: %d replies, cut %v, %v", len(exact.Replies), exact.RepliesCut, err)
	}
	// The bound on bytes cuts too: replies may be 64 KB each.
	defer func(was int) { shownReplyBytes = was }(shownReplyBytes)
	shownReplyBytes = 1
	for _, r := range replies[:2] {
		e, err := n.store.Get(ctx, r)
		must(t, err)
		shownReplyBytes += e.Record.Size()
	}
	if cut, err := n.Thread(ctx, q); err != nil || len(cut.Replies) != 2 || !cut.RepliesCut {
		t.Errorf("cut by size: %d replies, cut %v, %v", len(cut.Replies), cut.RepliesCut, err)
	}
	// A reply whose parent is not listed (hidden) still names its author.
	shownReplyBytes = 8 << 20
	_, err = n.Hide(ctx, replies[0], api.ModerationRequest{Reason: "off topic"})
	must(t, err)
	hid, err := n.Thread(ctx, q)
	must(t, err)
	i := slices.IndexFunc(hid.Replies, func(m api.Message) bool { return m.ID == replies[1] })
	if i < 0 || slices.ContainsFunc(hid.Replies, func(m api.Message) bool { return m.ID == replies[0] }) {
		t.Fatalf("replies with the first hidden: %+v", hid.Replies)
	}
	if a := hid.Replies[i].ReplyToAuthor; a == nil || *a != n.id.MemberKey() {
		t.Errorf("the reply to a hidden reply names %v as the author it answers", a)
	}
}

// TestEscapeMarkdown: a name put in a note reads as itself, never as a
// link or a picture.
func TestEscapeMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"Ada Lovelace (0a1b2c3d…)": `Ada Lovelace \(0a1b2c3d…\)`,
		"[official](https://x.y)":  `\[official\]\(https://x\.y\)`,
		"![p](https://x.y/t.png)":  `\!\[p\]\(https://x\.y/t\.png\)`,
		`a\*b`:                     `a\\\*b`,
	} {
		if got := escapeMarkdown(in); got != want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeletedReplyByID: a deleted reply's id, shown as a thread, says it
// was deleted (it said "show that one", its thread).
func TestDeletedReplyByID(t *testing.T) {
	ctx := context.Background()
	n := startTestNode(t)
	c, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Deleted"})
	must(t, err)
	post, err := n.Post(ctx, c, api.PostRequest{Title: "Q", Body: "?"})
	must(t, err)
	reply, err := n.Reply(ctx, post, api.ReplyRequest{Body: "oops"})
	must(t, err)
	_, err = n.Delete(ctx, reply, api.ModerationRequest{})
	must(t, err)
	if _, err := n.Thread(ctx, reply); err == nil || !strings.Contains(err.Error(), "was a reply in thread "+post.String()+", and was deleted") {
		t.Errorf("a deleted reply shown as a thread: %v", err)
	}
}

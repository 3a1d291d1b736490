package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestDeletingANotesFirstRevision: deleting a note's first revision, which
// every node applies to the whole note, is refused while other members
// wrote revisions of it, saying so, until confirmed; a note with the
// deleter's revisions alone is deleted as asked. (Its first author
// deleted everyone's text with one command and no word.)
func TestDeletingANotesFirstRevision(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Wiki", b)
	shared, err := b.NewNote(ctx, community, api.NoteRequest{Title: "Shared page", Body: "stub"})
	must(t, err)
	waitFor(t, "the note on a", 10*time.Second, func() bool { _, err := a.Note(ctx, shared); return err == nil })
	_, err = a.Revise(ctx, shared, api.RevisionRequest{Body: "Two hours of careful writing."})
	must(t, err)
	waitFor(t, "a's revision on b", 10*time.Second, func() bool { d, err := b.Note(ctx, shared); return err == nil && len(d.History) == 2 })

	_, err = b.Delete(ctx, shared, api.ModerationRequest{})
	if !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "of whose 2 revisions others wrote 1") || !strings.Contains(err.Error(), "--whole-note") {
		t.Fatalf("deleting the first revision of a shared note: %v", err)
	}
	if _, err := b.Note(ctx, shared); err != nil {
		t.Fatalf("the refused deletion deleted the note: %v", err)
	}
	_, err = b.Delete(ctx, shared, api.ModerationRequest{WholeNote: true})
	must(t, err)
	if _, err := b.Note(ctx, shared); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("the confirmed deletion left the note: %v", err)
	}

	own, err := b.NewNote(ctx, community, api.NoteRequest{Title: "Mine", Body: "draft"})
	must(t, err)
	_, err = b.Revise(ctx, own, api.RevisionRequest{Body: "second draft"})
	must(t, err)
	if _, err := b.Delete(ctx, own, api.ModerationRequest{}); err != nil {
		t.Errorf("deleting a note only its author wrote: %v", err)
	}
}

// TestHideAnEditHidesItsOriginal: hiding by an edit's id hides what it
// edits, for an event as for a post (an event's edit id hid that version
// alone, and the list of hidden records could not tell).
func TestHideAnEditHidesItsOriginal(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Hiding"})
	must(t, err)
	event, err := a.NewEvent(ctx, community, api.EventRequest{Title: "Meetup", Start: time.Now().Add(time.Hour).Format(time.RFC3339)})
	must(t, err)
	edit, err := a.EditEvent(ctx, event, api.EventRequest{Where: "Room 2"})
	must(t, err)
	if got, err := a.Event(ctx, edit); err != nil || got.ID != event {
		t.Errorf("an event by its edit's id: %+v %v", got, err)
	}
	_, err = a.Hide(ctx, edit, api.ModerationRequest{Reason: "spam"})
	must(t, err)
	if es, err := a.Events(ctx, community, "", 10); err != nil || len(es.Items) != 0 {
		t.Errorf("the event is still listed after hiding its edit: %+v %v", es.Items, err)
	}
	// An answer given already is not given again.
	other, err := a.NewEvent(ctx, community, api.EventRequest{Title: "Other", Start: time.Now().Add(time.Hour).Format(time.RFC3339)})
	must(t, err)
	_, err = a.RSVP(ctx, other, api.RSVPRequest{Answer: "yes"})
	must(t, err)
	if _, err := a.RSVP(ctx, other, api.RSVPRequest{Answer: "YES"}); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "your answer is yes already") {
		t.Errorf("the same answer twice: %v", err)
	}
	hidden, err := a.Hidden(ctx, community, "", 10)
	must(t, err)
	if len(hidden.Items) != 1 || hidden.Items[0].ID != event || hidden.Items[0].Kind != "event" {
		t.Errorf("hidden: %+v", hidden.Items)
	}
}

// TestTakingBackAReactionTakesBackItsCopies: two devices offline can each
// write the same reaction; taking it back (the pressed button deletes the
// record it names) takes back both, so it is no longer shown pressed or
// counted.
func TestTakingBackAReactionTakesBackItsCopies(t *testing.T) {
	ctx := context.Background()
	a, b := startTestNode(t), startTestNode(t)
	community := shareCommunity(t, a, "Copies", b)
	post, err := a.Post(ctx, community, api.PostRequest{Type: "question", Title: "Which hive?", Body: "?"})
	must(t, err)
	waitFor(t, "the post on b", 10*time.Second, func() bool { _, err := b.Thread(ctx, post); return err == nil })
	_, err = b.React(ctx, post, api.ReactRequest{Reaction: "helpful"})
	must(t, err)
	// The copy another device of b's wrote while apart.
	_, err = b.publish(ctx, community, protocol.Refs{Target: post}, &protocol.React{Reaction: protocol.ReactHelpful})
	must(t, err)
	th, err := b.Thread(ctx, post)
	must(t, err)
	if th.Reactions.Helpful != 1 || th.Reactions.Mine["helpful"].IsZero() {
		t.Fatalf("two copies of one reaction: %+v", th.Reactions)
	}
	_, err = b.Delete(ctx, th.Reactions.Mine["helpful"], api.ModerationRequest{})
	must(t, err)
	th, err = b.Thread(ctx, post)
	must(t, err)
	if th.Reactions.Helpful != 0 || len(th.Reactions.Mine) != 0 {
		t.Errorf("after taking the reaction back: %+v", th.Reactions)
	}
}

// TestNotShownSaysWhy: a hidden thread's page tells its reader that a
// moderator hid it and why (it said "deleted, hidden, or its author not
// admitted", and the reason was only in the moderation log).
func TestNotShownSaysWhy(t *testing.T) {
	ctx := context.Background()
	a := startTestNode(t)
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Reasons"})
	must(t, err)
	post, err := a.Post(ctx, community, api.PostRequest{Title: "Off topic", Body: "?"})
	must(t, err)
	_, err = a.Hide(ctx, post, api.ModerationRequest{Reason: "belongs in the events channel"})
	must(t, err)
	_, err = a.Thread(ctx, post)
	if !errors.Is(err, api.ErrNotFound) || !strings.Contains(err.Error(), `a moderator hid it, saying "belongs in the events channel"`) {
		t.Errorf("a hidden thread: %v", err)
	}
	note, err := a.NewNote(ctx, community, api.NoteRequest{Title: "Draft", Body: "?"})
	must(t, err)
	_, err = a.Hide(ctx, note, api.ModerationRequest{})
	must(t, err)
	if _, err := a.Note(ctx, note); !errors.Is(err, api.ErrNotFound) || !strings.Contains(err.Error(), "a moderator hid it (") {
		t.Errorf("a hidden note, no reason given: %v", err)
	}
}

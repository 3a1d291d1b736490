package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
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

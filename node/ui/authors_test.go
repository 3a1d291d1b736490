package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
)

// TestAuthorsByName: thread and note pages name their authors by the
// display name of their profile, with the start of their key (names are
// not unique), and by the start of the key alone when there is no profile.
func TestAuthorsByName(t *testing.T) {
	a, b := startNode(t), startNode(t)
	bg := context.Background()
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Names"})
	_, err := a.SetProfile(bg, api.ProfileRequest{Name: "Ada <Admin>"})
	must(t, err)
	post, err := a.Post(bg, community, api.PostRequest{Title: "Who wrote this?", Body: "Ada did."})
	must(t, err)
	note, err := a.NewNote(bg, community, api.NoteRequest{Title: "Signed", Body: "By Ada."})
	must(t, err)
	eventually(t, "a's post and note on b", func() bool {
		_, perr := b.Thread(bg, post)
		_, nerr := b.Note(bg, note)
		return perr == nil && nerr == nil
	})
	_, err = b.Reply(bg, post, api.ReplyRequest{Body: "Bob answers without a profile."})
	must(t, err)
	eventually(t, "b's reply on a", func() bool { d, err := a.Thread(bg, post); return err == nil && len(d.Replies) == 1 })

	s := newSession(t, a)
	ada, bob := memberKey(t, a).String(), memberKey(t, b).String()
	_, _, page := s.get("/t/" + post.String())
	if !strings.Contains(page, "Ada &lt;Admin&gt; ("+ada[:8]+"…)") || !strings.Contains(page, ">"+bob[:12]+"…<") {
		t.Errorf("the thread page does not name its authors:\n%s", page)
	}
	_, _, page = s.get("/n/" + note.String())
	if !strings.Contains(page, "Note by Ada &lt;Admin&gt; ("+ada[:8]+"…)") {
		t.Errorf("the note page does not name its author:\n%s", page)
	}
}

package store

import (
	"context"
	"slices"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestThreadFiltersByPerson: threads filtered by who started them and by
// who wrote their accepted answer, alone, together and with a tag,
// paginated one by one; a reply that is not the accepted one, or an
// answer to an unanswered question, does not count.
func TestThreadFiltersByPerson(t *testing.T) {
	s, _ := openTest(t)
	w, g := newWorld(t, protocol.JoinOpen)
	ja, jb, jc := w.join(alice), w.join(bob), w.join(carol)
	q1 := w.post(alice, "Alice asks, Bob answers", "tls")
	r1 := w.rec(bob, protocol.Refs{Root: q1.ID()}, &protocol.Reply{Text: "bob's answer"})
	r1other := w.rec(carol, protocol.Refs{Root: q1.ID()}, &protocol.Reply{Text: "carol's answer, not accepted"})
	acc1 := w.rec(alice, protocol.Refs{Root: q1.ID(), Target: r1.ID()}, &protocol.Accept{})
	q2 := w.post(bob, "Bob asks, Alice answers", "dns")
	r2 := w.rec(alice, protocol.Refs{Root: q2.ID()}, &protocol.Reply{Text: "alice's answer"})
	acc2 := w.rec(bob, protocol.Refs{Root: q2.ID(), Target: r2.ID()}, &protocol.Accept{})
	q3 := w.post(carol, "Carol asks, Bob answers", "tls")
	r3 := w.rec(bob, protocol.Refs{Root: q3.ID()}, &protocol.Reply{Text: "bob again"})
	acc3 := w.rec(carol, protocol.Refs{Root: q3.ID(), Target: r3.ID()}, &protocol.Accept{})
	q4 := w.post(alice, "Alice asks, nobody answers yet", "dns")
	r4 := w.rec(carol, protocol.Refs{Root: q4.ID()}, &protocol.Reply{Text: "carol's reply, not accepted"})
	ingest(t, s, g, ja, jb, jc, q1, r1, r1other, acc1, q2, r2, acc2, q3, r3, acc3, q4, r4)
	ctx := context.Background()
	titles := func(f ThreadFilter) []string {
		t.Helper()
		var out []string
		for cursor := ""; ; {
			page, err := s.Threads(ctx, w.id, Newest, f, cursor, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range page.Items {
				out = append(out, v.Title)
			}
			if cursor = page.Next; cursor == "" {
				return out
			}
		}
	}
	a, b, c := protocol.PublicKeyOf(alice), protocol.PublicKeyOf(bob), protocol.PublicKeyOf(carol)
	for _, tc := range []struct {
		name   string
		filter ThreadFilter
		want   []string
	}{
		{"started by alice", ThreadFilter{Author: a}, []string{"Alice asks, nobody answers yet", "Alice asks, Bob answers"}},
		{"started by bob", ThreadFilter{Author: b}, []string{"Bob asks, Alice answers"}},
		{"answered by bob", ThreadFilter{AnsweredBy: b}, []string{"Carol asks, Bob answers", "Alice asks, Bob answers"}},
		{"answered by alice", ThreadFilter{AnsweredBy: a}, []string{"Bob asks, Alice answers"}},
		{"answered by carol", ThreadFilter{AnsweredBy: c}, nil},
		{"answered by bob, tag dns", ThreadFilter{AnsweredBy: b, Tag: "dns"}, nil},
		{"answered by bob, tag tls", ThreadFilter{AnsweredBy: b, Tag: "tls"}, []string{"Carol asks, Bob answers", "Alice asks, Bob answers"}},
		{"started by carol, answered by bob", ThreadFilter{Author: c, AnsweredBy: b}, []string{"Carol asks, Bob answers"}},
		{"started by alice, answered by alice", ThreadFilter{Author: a, AnsweredBy: a}, nil},
	} {
		if got := titles(tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// The same through the order by activity.
	page, err := s.Threads(ctx, w.id, MostRecentActivity, ThreadFilter{AnsweredBy: b}, "", 10)
	if err != nil || len(page.Items) != 2 {
		t.Errorf("answered by bob, by activity: %+v, %v", page.Items, err)
	}
	checkClean(t, s)
}

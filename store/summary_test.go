package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestThreadSummaryAgreesWithView: a filter rejects a thread's summary
// exactly when it rejects its view (AnsweredBy aside, which the view
// alone cannot decide either: the summary rejects only unanswered
// threads for it).
func TestThreadSummaryAgreesWithView(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := []protocol.PublicKey{{1}, {2}, {3}}
	tags := []string{"go", "golang", "tls", "x"}
	for i := range 20_000 {
		v := ThreadView{Type: protocol.PostType(1 + rng.IntN(3)), Author: keys[rng.IntN(len(keys))]}
		if rng.IntN(2) == 0 {
			v.Accepted = protocol.ID{9}
		}
		for _, tag := range tags {
			if rng.IntN(3) == 0 {
				v.Tags = append(v.Tags, tag)
			}
		}
		f := ThreadFilter{Unanswered: rng.IntN(3) == 0}
		if rng.IntN(2) == 0 {
			f.Type = protocol.PostType(1 + rng.IntN(3))
		}
		if rng.IntN(2) == 0 {
			f.Tag = tags[rng.IntN(len(tags))]
		}
		if rng.IntN(3) == 0 {
			f.Author = keys[rng.IntN(len(keys))]
		}
		if rng.IntN(4) == 0 {
			f.AnsweredBy = keys[rng.IntN(len(keys))]
		}
		if got, want := f.rejectsSummary(threadSummary(&v)), !f.keep(v); got != want {
			t.Fatalf("case %d: view %+v, filter %+v: summary rejects %v, view rejects %v", i, v, f, got, want)
		}
	}
	if (ThreadFilter{Tag: "go"}).rejectsSummary(nil) {
		t.Error("an empty summary (an entry from before summaries) was rejected")
	}
}

// FuzzThreadSummary: any bytes in a list entry's value, however broken,
// neither panic nor reject a thread that a well-formed summary would not.
func FuzzThreadSummary(f *testing.F) {
	f.Add(threadSummary(&ThreadView{Type: protocol.PostQuestion, Tags: []string{"go", "tls"}}), "go", uint8(1), false)
	f.Add([]byte{1, 2, 0}, "", uint8(0), true)
	f.Fuzz(func(t *testing.T, s []byte, tag string, typ uint8, unanswered bool) {
		filter := ThreadFilter{Tag: tag, Type: protocol.PostType(typ), Unanswered: unanswered}
		filter.rejectsSummary(s)
		if len(tag) <= 255 {
			v := ThreadView{Type: protocol.PostType(typ), Tags: []string{tag, fmt.Sprint(len(s))}}
			if filter.rejectsSummary(threadSummary(&v)) != !filter.keep(v) {
				t.Fatalf("summary and view disagree for %+v and %+v", v, filter)
			}
		}
	})
}

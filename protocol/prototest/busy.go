package prototest

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/protocol"
)

// BusyCommunity makes n records of about 1 KiB each of one open community,
// in community order, as a busy community would have them after a month:
// a genesis by founder, up to 1,000 members joining, threads (one record
// in ten, questions tagged with one of 50 topics) and replies spread over
// them. The benchmarks of the store and the UI use it. Signing takes about
// 5 seconds per 100,000 records.
func BusyCommunity(t testing.TB, founder ed25519.PrivateKey, n int) (protocol.ID, []*protocol.Record) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	clock := Now.Add(-30 * 24 * time.Hour)
	g := Sign(t, founder, protocol.ID{}, clock, protocol.Refs{}, &protocol.Community{Name: "Bench", Policy: protocol.JoinOpen})
	records := []*protocol.Record{g}
	var members []ed25519.PrivateKey
	var threads []protocol.ID
	text := strings.Repeat("Practitioners compare notes on what broke and why. ", 20)[:1000]
	for len(records) < n {
		clock = clock.Add(time.Duration(1+rng.IntN(20)) * time.Second)
		var r *protocol.Record
		switch i := len(records); {
		case i <= 1000:
			key := Key(fmt.Sprintf("member %d", i))
			members = append(members, key)
			r = Sign(t, key, g.ID(), clock, protocol.Refs{}, &protocol.Join{})
		case i%10 == 0 || len(threads) == 0:
			r = Sign(t, members[rng.IntN(len(members))], g.ID(), clock, protocol.Refs{}, &protocol.Post{Type: protocol.PostQuestion,
				Title: fmt.Sprintf("Question %d", i), Text: text, Tags: []string{fmt.Sprintf("topic-%d", rng.IntN(50))}})
			threads = append(threads, r.ID())
		default:
			r = Sign(t, members[rng.IntN(len(members))], g.ID(), clock, protocol.Refs{Root: threads[rng.IntN(len(threads))]}, &protocol.Reply{Text: text})
		}
		records = append(records, r)
	}
	return g.ID(), records
}

package node

import (
	"fmt"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
)

// peerAnswers gathers what the peers asked for a file answered: each peer
// once, in the order first asked, with each different error it gave once.
// Its message names every peer with its answers; it unwraps to them all,
// so that errors.Is sees what any peer answered.
type peerAnswers struct {
	order []peer.ID
	errs  map[peer.ID][]error
}

// add records one answer of p (nil: it failed in nothing).
func (pa *peerAnswers) add(p peer.ID, err error) {
	if pa.errs == nil {
		pa.errs = make(map[peer.ID][]error)
	}
	if !pa.asked(p) {
		pa.order = append(pa.order, p)
		pa.errs[p] = nil
	}
	if err == nil {
		return
	}
	for _, e := range pa.errs[p] {
		if e.Error() == err.Error() {
			return
		}
	}
	pa.errs[p] = append(pa.errs[p], err)
}

func (pa *peerAnswers) asked(p peer.ID) bool {
	_, ok := pa.errs[p]
	return ok
}

// count is the number of different peers asked.
func (pa *peerAnswers) count() int { return len(pa.order) }

func (pa *peerAnswers) Error() string {
	var b strings.Builder
	for i, p := range pa.order {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
		b.WriteString(": ")
		errs := pa.errs[p]
		if len(errs) == 0 {
			// Its streams ended without an error, as when the
			// others stopped the fetch or a bad chunk dropped it.
			b.WriteString("stopped without an error")
		}
		for k, err := range errs {
			if k > 0 {
				b.WriteString(", and ")
			}
			b.WriteString(err.Error())
		}
	}
	return b.String()
}

func (pa *peerAnswers) Unwrap() []error {
	var out []error
	for _, p := range pa.order {
		out = append(out, pa.errs[p]...)
	}
	return out
}

// peerCount says how many peers: "1 peer", "3 peers".
func peerCount(n int) string {
	if n == 1 {
		return "1 peer"
	}
	return fmt.Sprintf("%d peers", n)
}

package node

import (
	"context"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// activityWeeks is how far back the activity chart goes; participation
// looks at the last participationWeeks of them.
const (
	activityWeeks      = 52
	participationWeeks = 12
	week               = 7 * 24 * time.Hour
)

// Activity implements api.Backend: records per week over the last year,
// and the admitted members sorted by how regularly they wrote in the last
// twelve weeks.
func (n *Node) Activity(ctx context.Context, community protocol.ID) (api.Activity, error) {
	if _, err := n.community(community); err != nil {
		return api.Activity{}, err
	}
	now := time.Now().UTC()
	monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).
		AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	since := monday.Add(-(activityWeeks - 1) * week)
	a, err := n.store.Activity(ctx, community, since.UnixMilli(), week.Milliseconds(), activityWeeks)
	if err != nil {
		return api.Activity{}, err
	}
	out := api.Activity{Weeks: make([]api.WeekActivity, activityWeeks)}
	for i := range out.Weeks {
		out.Weeks[i].Start = since.Add(time.Duration(i) * week).UnixMilli()
	}
	for kind, counts := range a.Kinds {
		for i, c := range counts {
			w := &out.Weeks[i]
			switch kind {
			case protocol.KindPost:
				// Counted from the threads shown (a.Threads): edits and
				// deleted posts are no threads.
			case protocol.KindReply:
				w.Replies += c
			case protocol.KindNote:
				w.Notes += c
			case protocol.KindJoin, protocol.KindDevice:
				// joining is not writing
			default:
				w.Other += c
			}
		}
	}
	for i, c := range a.Threads {
		out.Weeks[i].Threads = c
	}
	p := api.Participation{Weeks: participationWeeks}
	for _, m := range n.store.Membership(community).Members() {
		if !m.Standing.Admitted() {
			continue
		}
		weeks := 0
		if counts := a.Authors[m.Key]; counts != nil {
			for _, c := range counts[activityWeeks-participationWeeks:] {
				if c > 0 {
					weeks++
				}
			}
		}
		switch {
		case weeks >= 4:
			p.Core++
		case weeks > 0:
			p.Active++
		default:
			p.Peripheral++
		}
	}
	out.Participation = p
	return out, nil
}

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/kith-network/kith/node/api"
)

// TestEventWhen: an event's time for people; an end equal to the start
// (a moment, or a deadline) is not shown as "15:00 – 15:00".
func TestEventWhen(t *testing.T) {
	start := time.Date(2026, 12, 3, 15, 0, 0, 0, time.Local)
	for _, c := range []struct {
		end  time.Time
		want string
	}{
		{time.Time{}, "Thu 3 Dec 2026, 15:00 ("},
		{start, "Thu 3 Dec 2026, 15:00 ("},
		{start.Add(90 * time.Minute), "Thu 3 Dec 2026, 15:00 – 16:30 ("},
		{start.Add(48 * time.Hour), "Thu 3 Dec 2026, 15:00 – Sat 5 Dec 2026, 15:00 ("},
	} {
		e := api.Event{Start: start.UnixMilli()}
		if !c.end.IsZero() {
			e.End = c.end.UnixMilli()
		}
		if got := eventView(e).When; !strings.HasPrefix(got, c.want) {
			t.Errorf("ending %v: %q, want it to start %q", c.end, got, c.want)
		}
	}
}

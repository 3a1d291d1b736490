package ui

import (
	"html/template"
	"math"
	"net/http"
	"time"

	"github.com/kith-network/kith/internal/chart"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// The about page: what the community is for, and pictures of how it
// lives (activity over the year, and who takes part how regularly).

type aboutPage struct {
	Community     api.Community
	Activity      api.Activity
	ActivityChart template.HTML
	PeopleChart   template.HTML
	// Recent sums the activity of the participation window.
	Recent api.WeekActivity
	// Moderation is the newest of what the moderators did, for every
	// member to see; Names names the members in it.
	Moderation     []api.ModerationEntry
	MoreModeration bool
	Names          map[protocol.PublicKey]string
}

// moderationShown is how many entries of the moderation log the about
// page shows; `kith community log` lists them all.
const moderationShown = 20

func (s *Server) about(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	a, err := s.backend.Activity(r.Context(), id)
	if err != nil {
		return "", nil, err
	}
	page := aboutPage{Community: c, Activity: a}
	for _, w := range a.Weeks[max(0, len(a.Weeks)-a.Participation.Weeks):] {
		page.Recent.Threads += w.Threads
		page.Recent.Replies += w.Replies
		page.Recent.Notes += w.Notes
		page.Recent.Other += w.Other
	}
	page.ActivityChart, page.PeopleChart = activityCharts(a)
	log, err := s.backend.ModerationLog(r.Context(), id, "", moderationShown)
	if err != nil {
		return "", nil, err
	}
	page.Moderation, page.MoreModeration = log.Items, log.Next != ""
	if page.Names, err = s.authorNames(r, id); err != nil {
		return "", nil, err
	}
	return "about", page, nil
}

// activityCharts draws the community's weekly activity and its members'
// participation as SVG. The SVG is ours, made of numbers and our own
// labels (the chart package escapes text anyway).
func activityCharts(a api.Activity) (activity, people template.HTML) {
	series := []chart.Series{{Name: "threads"}, {Name: "replies"}, {Name: "note edits"}}
	n := len(a.Weeks)
	for i, w := range a.Weeks {
		x := float64(i - n + 1) // 0 is this week
		series[0].Points = append(series[0].Points, chart.Point{X: x, Y: float64(w.Threads)})
		series[1].Points = append(series[1].Points, chart.Point{X: x, Y: float64(w.Replies)})
		series[2].Points = append(series[2].Points, chart.Point{X: x, Y: float64(w.Notes)})
	}
	// A tick is the week starting that day: x counts weeks back from
	// this one (0).
	weekOf := func(x float64) string {
		i := int(math.Round(x)) + n - 1
		if i < 0 || i >= n {
			return ""
		}
		return time.UnixMilli(a.Weeks[i].Start).UTC().Format("2 Jan 2006")
	}
	act := chart.Chart{Title: "Written per week", XLabel: "week starting", YLabel: "records", Counts: true, XTick: weekOf}.Lines(series)
	p := a.Participation
	ppl := chart.Chart{Title: "Members by participation", YLabel: "members", Width: 420, Counts: true}.Bars([]chart.Bar{
		{Label: "core", Value: float64(p.Core)},
		{Label: "active", Value: float64(p.Active)},
		{Label: "peripheral", Value: float64(p.Peripheral)},
	})
	return template.HTML(act), template.HTML(ppl) //nolint:gosec // our own SVG, text escaped by package chart
}

package demo

import (
	"time"

	"github.com/kith-network/kith/node/api"
)

// Content is a sample community of practice as data: who is in it and
// what they wrote. Members are referred to by their index in Members;
// member 0 founds the community on the first node.
type Content struct {
	Community  api.CreateCommunityRequest
	Members    []Member
	Moderators []int // members the founder makes moderators
	Questions  []Question
	Notes      []Note
	Event      Event
}

// Member is one sample member, who runs one of the demo's nodes.
type Member struct {
	Handle  string // short name: the node's directory and its name in the output
	Profile api.ProfileRequest
}

// Question is a question thread with its answers.
type Question struct {
	By      int
	Title   string
	Body    string
	Tags    []string
	Answers []Answer
}

// Answer is a reply to a question; the asker accepts it if Accepted, and
// the members in Helpful react to it as helpful.
type Answer struct {
	By       int
	Body     string
	Accepted bool
	Helpful  []int
}

// Note is a knowledge note: its first revision writes it, each later one
// is written once every node holds the one before, so the history is a
// line of revisions by different members.
type Note struct {
	Title     string
	Tags      []string
	Revisions []Revision
	Applied   []int // members who react "I applied this"
}

// Revision is one revision of a note: its author and full text. An empty
// Title keeps the note's title.
type Revision struct {
	By    int
	Title string
	Body  string
}

// Event is an upcoming meeting, In days from the day the sample is
// seeded at At (UTC), with each member's answer.
type Event struct {
	By     int
	Title  string
	Where  string
	Body   string
	Tags   []string
	In     time.Duration // whole days from today
	At     time.Duration // time of day, UTC
	Length time.Duration
	RSVP   map[int]string // member -> yes, no or maybe
}

// Sample is the community `kith demo` shows: site reliability engineers
// from three organisations who compare notes on running production.
var Sample = Content{
	Community: api.CreateCommunityRequest{
		Name:   "Site Reliability Practitioners",
		Domain: "running production systems: on-call, incidents, capacity and data safety",
		Charter: "We are engineers from different organisations who keep production running. " +
			"We ask and answer practical questions, keep runbooks and checklists we all improve, " +
			"and meet monthly to learn from each other's incidents. Share what you can; " +
			"never post customer data or secrets.",
		InviteOnly: true,
	},
	Members: []Member{
		{Handle: "amara", Profile: api.ProfileRequest{Name: "Amara Okafor", Org: "Northwind Logistics",
			Expertise: []string{"incident-response", "postmortems", "on-call"},
			Bio:       "Leads the incident practice at Northwind; ten years of carrying a pager."}},
		{Handle: "jonas", Profile: api.ProfileRequest{Name: "Jonas Lindqvist", Org: "Fjord Energy",
			Expertise: []string{"kubernetes", "capacity-planning", "observability"},
			Bio:       "Platform engineer: clusters, dashboards and the bills they come with."}},
		{Handle: "priya", Profile: api.ProfileRequest{Name: "Priya Raman", Org: "Harbour Health",
			Expertise: []string{"postgresql", "backups", "data-migrations"},
			Bio:       "Database reliability at a hospital group, where restores are not optional."}},
	},
	Moderators: []int{1},
	Questions: []Question{
		{By: 1, Title: "How do you keep on-call pages actionable?",
			Tags: []string{"on-call", "alerting"},
			Body: "Our rotation gets ~40 pages a week and most are noise. " +
				"How do you decide what may page a human at night?",
			Answers: []Answer{
				{By: 0, Accepted: true, Helpful: []int{1, 2},
					Body: "Page only on **symptoms users feel** (error rate, latency against the SLO), never on causes " +
						"like CPU. Every page must have a runbook link and an action; an alert nobody acted on " +
						"twice in a row gets deleted or demoted to a ticket. We went from 35 to 6 pages a week."},
				{By: 2,
					Body: "Review every page in the weekly handover: one line each, *acted on / noise*. " +
						"The list makes the case for deleting alerts by itself."},
			}},
		{By: 2, Title: "PostgreSQL major upgrade with minimal downtime?",
			Tags: []string{"postgresql", "upgrades"},
			Body: "We need to go from PostgreSQL 13 to 17 on a 2 TB database. " +
				"pg_upgrade --link needs a maintenance window we do not get. What worked for you?",
			Answers: []Answer{
				{By: 1, Accepted: true, Helpful: []int{0, 2},
					Body: "Logical replication into a new 17 cluster, then a switchover: downtime was the " +
						"seconds it took to move the connection pooler. Watch for tables without a primary key " +
						"(they need REPLICA IDENTITY FULL) and copy sequences by hand at the end."},
				{By: 0,
					Body: "Rehearse the switchover twice on a restored copy and time it; " +
						"our first rehearsal found a forgotten extension."},
			}},
		{By: 0, Title: "Which SLO window do you use for internal services?",
			Tags: []string{"slo"},
			Body: "28 days, 30 days or a calendar month? Our teams argue about it every quarter.",
			Answers: []Answer{
				{By: 2, Accepted: true, Helpful: []int{0},
					Body: "A rolling 28 days: always four whole weeks, so weekends weigh the same in every window."},
				{By: 1,
					Body: "Same here, plus a 1-hour burn-rate alert so a bad deploy pages before it eats the month."},
			}},
	},
	Notes: []Note{
		{Title: "Incident commander checklist", Tags: []string{"incident-response"}, Applied: []int{1},
			Revisions: []Revision{
				{By: 0, Body: "1. Declare the incident and name the commander.\n" +
					"2. Open a channel and a timeline document.\n" +
					"3. Assess user impact; set the severity.\n" +
					"4. Communicate every 30 minutes, even when nothing changed.\n"},
				{By: 1, Body: "1. Declare the incident and name the commander.\n" +
					"2. Open a channel and a timeline document.\n" +
					"3. Assess user impact; set the severity.\n" +
					"4. Name a communications lead for incidents of severity 1 and 2.\n" +
					"5. Communicate every 30 minutes, even when nothing changed.\n"},
				{By: 2, Body: "1. Declare the incident and name the commander.\n" +
					"2. Open a channel and a timeline document.\n" +
					"3. Assess user impact; set the severity.\n" +
					"4. Name a communications lead for incidents of severity 1 and 2.\n" +
					"5. Communicate every 30 minutes, even when nothing changed.\n" +
					"6. Hand over explicitly after 4 hours: nobody commands tired.\n"},
			}},
		{Title: "PostgreSQL backup and restore runbook", Tags: []string{"postgresql", "backups"}, Applied: []int{0},
			Revisions: []Revision{
				{By: 2, Body: "- Nightly base backup with pg_basebackup, WAL archived continuously.\n" +
					"- Keep 14 days of base backups and WAL.\n" +
					"- Restore: fetch the base backup, set restore_command, start.\n"},
				{By: 0, Body: "- Nightly base backup with pg_basebackup, WAL archived continuously.\n" +
					"- Keep 14 days of base backups and WAL.\n" +
					"- Restore: fetch the base backup, set restore_command and recovery_target_time, start.\n" +
					"- **Test a restore every month** and record how long it took: that is your real RTO.\n"},
			}},
		{Title: "Kubernetes requests and limits", Tags: []string{"kubernetes", "capacity-planning"},
			Revisions: []Revision{
				{By: 1, Body: "Set CPU requests from the p95 of observed use. Set memory requests equal to limits.\n"},
				{By: 2, Title: "Kubernetes requests and limits: a starting point",
					Body: "Set CPU requests from the p95 of observed use; leave CPU limits off unless a " +
						"noisy neighbour proves otherwise. Set memory requests equal to limits, so the " +
						"scheduler's picture is the truth.\n"},
			}},
	},
	Event: Event{By: 0, Title: "Monthly practice call: learning from incidents",
		Where: "Video call (the link is in the invitation)",
		Body:  "Two members walk through a recent incident, 20 minutes each, then open questions.",
		Tags:  []string{"incident-response"},
		In:    7 * 24 * time.Hour, At: 15 * time.Hour, Length: 90 * time.Minute,
		RSVP: map[int]string{0: "yes", 1: "yes", 2: "maybe"}},
}

package api

// Activity is GET /api/communities/{id}/activity: how much a community
// writes week by week, and how its members take part.
type Activity struct {
	Weeks         []WeekActivity `json:"weeks"` // oldest first; the current week last
	Participation Participation  `json:"participation"`
}

// WeekActivity counts the records written in one week (Monday 00:00 UTC
// on).
type WeekActivity struct {
	Start   int64 `json:"start"` // unix ms
	Threads int   `json:"threads"`
	Replies int   `json:"replies"`
	Notes   int   `json:"notes"` // note revisions
	Other   int   `json:"other"` // reactions, events, answers to events, profiles, moderation
}

// Participation sorts the admitted members by how regularly they wrote in
// the last Weeks weeks: core members in at least 4 of them, active ones in
// 1 to 3, peripheral ones in none (they read, or are away).
type Participation struct {
	Weeks      int `json:"weeks"`
	Core       int `json:"core"`
	Active     int `json:"active"`
	Peripheral int `json:"peripheral"`
}

package ui

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// Moderation and invites: the founder's and moderators' page, the invite
// code page, and the forms that change roles, revoke invites, and delete
// or hide records. Each action is a signed record that replicates: every
// member's node checks that a moderator signed it and applies it.

type adminPage struct {
	Community api.Community
	Moderates bool // this node's member is the founder or a moderator
	Members   []memberRow
	Next      string // cursor of the next page of members
	// Moderators are whom a member who may not moderate can ask.
	Moderators []memberRow
	Done       string // what the last action did
	// Revoke is an invite id to confirm revoking; RevokeErr says why the
	// one given is not an invite id.
	Revoke    string
	RevokeErr string
	// Remove is a member to confirm an action on (the Remove button asks
	// first, and any button on the member's own row), with the reason
	// typed; Confirm is the action.
	Remove       *memberRow
	RemoveReason string
	Confirm      string
	// Hidden are the records moderators hid (the first page), with the
	// names of their authors and of who hid them.
	Hidden     []api.HiddenRecord
	MoreHidden bool
	Names      map[protocol.PublicKey]string
	// Invites are the community's invites, newest first (invite-only
	// communities).
	Invites []api.InviteInfo
	// Once is the invite form's token (once.go).
	Once string
}

func (adminPage) uncached() {}

// memberRow is a member with what a moderator may do to them.
type memberRow struct {
	api.Member
	You     bool
	Actions []roleButton
	Why     string // why there are no actions
}

// Display is the member's name, or the start of their key.
func (m memberRow) Display() string {
	if m.Name != "" {
		return m.Name
	}
	k := m.Key.String()
	return "member " + k[:min(len(k), 12)] + "…"
}

type roleButton struct {
	Action, Label string
	Danger        bool
	// Confirm: the button leads to a confirmation on the moderation
	// page (a GET of the form) rather than acting.
	Confirm bool
}

// roleButtons are the actions a moderator may take on a member of a
// standing (the founder's cannot change).
func roleButtons(standing string) []roleButton {
	remove := roleButton{Action: "remove", Label: "Remove from the community…", Danger: true, Confirm: true}
	switch standing {
	case "moderator":
		return []roleButton{{Action: "revoke", Label: "Revoke moderator"}, remove}
	case "member":
		return []roleButton{{Action: "moderator", Label: "Make moderator"}, remove}
	case "removed":
		return []roleButton{{Action: "admit", Label: "Admit again"}}
	case "founder":
		return nil
	default: // pending, or a standing this page does not know yet
		return []roleButton{{Action: "admit", Label: "Admit"}}
	}
}

// doneMessages confirm an action, by the "done" query parameter the forms
// redirect with (only these texts are ever shown).
var doneMessages = map[string]string{
	"moderator":      "Done: they are a moderator now. The role record is on its way to every member's node, and each accepts their moderation from then on.",
	"revoke":         "Done: they are no longer a moderator. Every member's node applies this as the record reaches it.",
	"admit":          "Done: admitted. Every member's node accepts their records from then on.",
	"remove":         "Done: removed. Every member's node refuses what they write from then on; what they wrote before stays.",
	"revoke-self":    "Done: you are no longer a moderator of this community. Every member's node applies this as the record reaches it; another moderator can make you one again.",
	"remove-self":    "Done: you removed yourself. Every member's node refuses what you write here from then on; a moderator can admit you again.",
	"unhidden":       "Done: shown again. Every member's node shows it as the record reaches it.",
	"invite-revoked": "Done: the invite is revoked. Every member's node refuses joins made with it from then on; those who already joined stay members.",
}

// membersPerPage is how many members the moderation page lists at once.
const membersPerPage = 100

// hiddenPerPage is how many hidden records the moderation page lists;
// `kith post hidden` lists them all.
const hiddenPerPage = 100

// maxModeratorScan bounds the members read to list the moderators.
const maxModeratorScan = 5000

func (s *Server) admin(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	st, err := s.backend.Status(r.Context())
	if err != nil {
		return "", nil, err
	}
	q := r.URL.Query()
	page := adminPage{Community: c, Moderates: moderates(c.Standing), Once: newOnce(), Done: doneMessages[q.Get("done")]}
	row := func(m api.Member) memberRow {
		return memberRow{Member: m, You: m.Key == st.MemberKey}
	}
	if !page.Moderates {
		// Only who to ask: the founder and the moderators.
		for cursor, read := "", 0; read < maxModeratorScan; {
			ms, err := s.backend.Members(r.Context(), id, cursor, 500)
			if err != nil {
				return "", nil, err
			}
			for _, m := range ms.Items {
				if moderates(m.Standing) {
					page.Moderators = append(page.Moderators, row(m))
				}
			}
			read += len(ms.Items)
			if cursor = ms.Next; cursor == "" {
				break
			}
		}
		return "admin", page, nil
	}
	ms, err := s.backend.Members(r.Context(), id, q.Get("cursor"), membersPerPage)
	if err != nil {
		return "", nil, err
	}
	for _, m := range ms.Items {
		mr := row(m)
		mr.Actions = roleButtons(m.Standing)
		if mr.You {
			// What a moderator does to themselves they cannot undo:
			// asked first, too.
			for i := range mr.Actions {
				mr.Actions[i].Confirm = true
				mr.Actions[i].Label = strings.TrimSuffix(mr.Actions[i].Label, "…") + "…"
			}
		}
		if m.Standing == "founder" {
			mr.Why = "The founder's role cannot be changed."
		}
		page.Members = append(page.Members, mr)
	}
	page.Next = ms.Next
	hidden, err := s.backend.Hidden(r.Context(), id, "", hiddenPerPage)
	if err != nil {
		return "", nil, err
	}
	page.Hidden, page.MoreHidden = hidden.Items, hidden.Next != ""
	if c.InviteOnly {
		if page.Invites, err = s.backend.Invites(r.Context(), id); err != nil {
			return "", nil, err
		}
	}
	if len(page.Hidden) > 0 || len(page.Invites) > 0 {
		if page.Names, err = s.authorNames(r, id); err != nil {
			return "", nil, err
		}
	}
	if a := q.Get("action"); a == "remove" || a == "revoke" {
		if err := s.confirmRemove(r, id, &page); err != nil {
			return "", nil, err
		}
		page.Confirm = a
		page.Remove.You = page.Remove.Key == st.MemberKey
	}
	if v := strings.TrimSpace(q.Get("invite")); v != "" {
		if inv, err := protocol.ParseID(v); err != nil {
			page.RevokeErr = "That is not an invite id: an invite id is 64 characters, 0-9 and a-f, shown with the code when the invite was made."
		} else {
			page.Revoke = inv.String()
		}
	}
	return "admin", page, nil
}

// confirmRemove fills the confirmation of a removal the Remove button
// asked for (member and reason in the query).
func (s *Server) confirmRemove(r *http.Request, id protocol.ID, page *adminPage) error {
	key, err := protocol.ParsePublicKey(strings.TrimSpace(r.URL.Query().Get("member")))
	if err != nil {
		return fmt.Errorf("%w: that is not a member key: %v", api.ErrBadRequest, err)
	}
	m, found, err := s.memberInCommunity(r, id, key)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: %s is not a member of %s", api.ErrNotFound, key, page.Community.Name)
	}
	row := memberRow{Member: m}
	page.Remove = &row
	page.RemoveReason = strings.Join(strings.Fields(r.URL.Query().Get("reason")), " ")
	return nil
}

type invitePage struct {
	Community api.Community
	Code      api.InviteCode
	Uses      uint64
	// Again says the form was sent again (a reload): this is the invite
	// it made the first time, and no other was made.
	Again bool
}

// maxInviteUses bounds the uses the invite form asks for.
const maxInviteUses = 10000

// invite makes an invite and shows its code (a page, not a redirect: the
// code exists only in this answer).
func (s *Server) invite(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	id := c.ID
	page := invitePage{Community: c, Uses: 1}
	req := api.InviteRequest{Expires: strings.TrimSpace(r.PostForm.Get("expires")), Label: strings.TrimSpace(r.PostForm.Get("label"))}
	// The form sent again with what it held (a reload) gets the invite it
	// made; the same form changed (Back, another number of uses) is a new
	// invite. One at a time, so that two sends at once make one.
	once := ""
	if token := r.PostForm.Get("once"); token != "" {
		once = strings.Join([]string{token, r.PostForm.Get("uses"), req.Expires, req.Label}, "\x00")
	}
	s.inviteMu.Lock()
	defer s.inviteMu.Unlock()
	if page, ok := s.once.get(once); ok {
		page.Again = true
		return "invite", page, nil
	}
	if u := strings.TrimSpace(r.PostForm.Get("uses")); u != "" {
		n, err := strconv.ParseUint(u, 10, 32)
		if err != nil || n < 1 || n > maxInviteUses {
			return "", nil, fmt.Errorf("%w: how many people may join with the invite must be a whole number from 1 to %d, not %q",
				api.ErrBadRequest, maxInviteUses, u)
		}
		req.Uses, page.Uses = uint32(n), n
	}
	// How long it is valid, the node reads and refuses (72h, 3d).
	if page.Code, err = s.backend.Invite(r.Context(), id, req); err != nil {
		return "", nil, err
	}
	if once != "" {
		s.once.put(once, page)
	}
	return "invite", page, nil
}

func (s *Server) revokeInvite(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	inv, err := pathValueID(r, "invite")
	if err != nil {
		return "", err
	}
	if _, err := s.backend.RevokeInvite(r.Context(), id, inv); err != nil {
		return "", err
	}
	return "/c/" + id.String() + "/admin?done=invite-revoked", nil
}

func (s *Server) setRole(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	key, err := protocol.ParsePublicKey(strings.TrimSpace(r.PostForm.Get("member")))
	if err != nil {
		return "", fmt.Errorf("%w: that is not a member key (64 characters, 0-9 and a-f, shown on the member's Settings page): %v", api.ErrBadRequest, err)
	}
	action := r.PostForm.Get("action")
	if !slices.Contains([]string{"moderator", "revoke", "admit", "remove"}, action) {
		return "", fmt.Errorf("%w: unknown action %q: choose make moderator, revoke moderator, admit or remove", api.ErrBadRequest, action)
	}
	if _, err := s.backend.SetRole(r.Context(), id, api.RoleRequest{Member: key, Action: action, Reason: moderationReason(r)}); err != nil {
		return "", err
	}
	done := action
	if st, err := s.backend.Status(r.Context()); err == nil && st.MemberKey == key {
		done += "-self"
	}
	return "/c/" + id.String() + "/admin?done=" + done + "#m-" + key.String(), nil
}

// unhideRecord shows a hidden record again on every member's node, by
// deleting the hides in force on it. The form has "reason" (optional)
// and "back".
func (s *Server) unhideRecord(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	if _, err := s.backend.Unhide(r.Context(), id, api.ModerationRequest{Reason: moderationReason(r)}); failed(err) {
		return "", err
	}
	return backTo(r, "/"), nil
}

// moderationReason is a moderation form's reason: one line (records refuse line
// breaks in it).
func moderationReason(r *http.Request) string {
	return strings.Join(strings.Fields(r.PostForm.Get("reason")), " ")
}

// deleteRecord deletes a record: every honest node purges its text. The
// form has "reason" (optional), "back" (the page to return to) and, for
// a note's first revision, "whole_note" (the member confirmed deleting
// the note with others' revisions).
func (s *Server) deleteRecord(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	req := api.ModerationRequest{Reason: moderationReason(r), WholeNote: r.PostForm.Get("whole_note") != ""}
	if _, err := s.backend.Delete(r.Context(), id, req); failed(err) {
		return "", err
	}
	return withDone(r, backTo(r, "/"), "deleted"), nil
}

// removalDone says what a deletion or a hide did, on the page the form
// returns to (by its "done" query parameter: only these texts are shown).
var removalDone = map[string]string{
	"deleted": "Done: deleted. Every member's node erases its text as the deletion reaches it.",
	"hidden":  "Done: hidden. Every member's node takes it out of view as the hide reaches it; the Moderation page lists it, to show it again.",
}

// withDone adds done=what to the query of a local address, before its
// fragment, when the form's button says so (say=what: the moderation
// forms of the pages that show it; taking a reaction back is no deletion
// to announce).
func withDone(r *http.Request, back, what string) string {
	if r.PostForm.Get("say") != what {
		return back
	}
	path, frag, _ := strings.Cut(back, "#")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if frag != "" {
		frag = "#" + frag
	}
	return path + sep + "done=" + what + frag
}

// hideRecord hides a record from view on every member's node (it stays on
// disk). The form has "reason" (optional) and "back".
func (s *Server) hideRecord(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	if _, err := s.backend.Hide(r.Context(), id, api.ModerationRequest{Reason: moderationReason(r)}); failed(err) {
		return "", err
	}
	return withDone(r, backTo(r, "/"), "hidden"), nil
}

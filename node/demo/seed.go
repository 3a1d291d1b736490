package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// Seed writes the content into a new community through the nodes' own
// operations, the ones the API serves: nodes[i] acts as c.Members[i].
// Member 0 founds the community and invites the others, who join with
// their codes. Between steps it waits until every node holds what the
// step wrote, because the next one answers, accepts or revises it from
// another node. progress, if set, hears what each step did. It returns
// the community's id.
func Seed(ctx context.Context, nodes []api.Backend, c Content, progress func(format string, args ...any)) (protocol.ID, error) {
	if len(nodes) != len(c.Members) || len(nodes) < 2 {
		return protocol.ID{}, fmt.Errorf("seed: %d nodes for %d members (want one each, at least two)", len(nodes), len(c.Members))
	}
	if progress == nil {
		progress = func(string, ...any) {}
	}
	s := &seeder{nodes: nodes, c: c, progress: progress}
	for _, step := range []struct {
		what string
		do   func(context.Context) error
	}{
		{"found the community", s.found},
		{"publish profiles", s.people},
		{"ask and answer questions", s.questions},
		{"write notes", s.notes},
		{"announce the event", s.event},
	} {
		if err := step.do(ctx); err != nil {
			return s.community, fmt.Errorf("seed the sample: %s: %w", step.what, err)
		}
	}
	return s.community, nil
}

// seeder carries one Seed run's state from step to step.
type seeder struct {
	nodes     []api.Backend
	c         Content
	progress  func(format string, args ...any)
	community protocol.ID
}

func (s *seeder) handle(i int) string { return s.c.Members[i].Handle }

func (s *seeder) settle(ctx context.Context) error { return Settle(ctx, s.nodes, s.community) }

// found creates the community on the first node, invites every other
// member with a single-use code, and connects the nodes to each other.
func (s *seeder) found(ctx context.Context) error {
	var err error
	if s.community, err = s.nodes[0].CreateCommunity(ctx, s.c.Community); err != nil {
		return err
	}
	var joined []string
	for i := 1; i < len(s.nodes); i++ {
		code, err := s.nodes[0].Invite(ctx, s.community, api.InviteRequest{Uses: 1})
		if err != nil {
			return fmt.Errorf("invite %s: %w", s.handle(i), err)
		}
		if _, err := s.nodes[i].Join(ctx, code.Code); err != nil {
			return fmt.Errorf("%s joins: %w", s.handle(i), err)
		}
		joined = append(joined, s.handle(i))
	}
	// Each joiner met the founder's node; connect them to each other too,
	// so every node hears every other directly.
	for i := 2; i < len(s.nodes); i++ {
		for j := 1; j < i; j++ {
			st, err := s.nodes[j].Status(ctx)
			if err != nil {
				return err
			}
			if len(st.Addresses) == 0 {
				return fmt.Errorf("%s's node has no address", s.handle(j))
			}
			if _, err := s.nodes[i].Connect(ctx, st.Addresses[0]); err != nil {
				return fmt.Errorf("connect %s to %s: %w", s.handle(i), s.handle(j), err)
			}
		}
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	s.progress("founded %q on %s's node; %s joined with invite codes", s.c.Community.Name, s.handle(0), strings.Join(joined, " and "))
	return nil
}

// people publishes every member's profile and appoints the moderators.
func (s *seeder) people(ctx context.Context) error {
	for i, n := range s.nodes {
		if _, err := n.SetProfile(ctx, s.c.Members[i].Profile); err != nil {
			return fmt.Errorf("%s's profile: %w", s.handle(i), err)
		}
	}
	var mods []string
	for _, i := range s.c.Moderators {
		st, err := s.nodes[i].Status(ctx)
		if err != nil {
			return err
		}
		if _, err := s.nodes[0].SetRole(ctx, s.community, api.RoleRequest{Member: st.MemberKey, Action: "moderator"}); err != nil {
			return fmt.Errorf("make %s a moderator: %w", s.handle(i), err)
		}
		mods = append(mods, s.handle(i))
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	s.progress("%d members with profiles and expertise; moderators: %s and the founder", len(s.nodes), strings.Join(mods, ", "))
	return nil
}

// questions asks each question, answers it from other nodes, and has the
// asker accept the accepted answer while others react to it.
func (s *seeder) questions(ctx context.Context) error {
	asked := make([]protocol.ID, len(s.c.Questions))
	for q, question := range s.c.Questions {
		id, err := s.nodes[question.By].Post(ctx, s.community, api.PostRequest{Type: "question",
			Title: question.Title, Body: question.Body, Tags: question.Tags})
		if err != nil {
			return fmt.Errorf("%s asks %q: %w", s.handle(question.By), question.Title, err)
		}
		asked[q] = id
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	answers := make([][]protocol.ID, len(s.c.Questions))
	count := 0
	for q, question := range s.c.Questions {
		for _, a := range question.Answers {
			id, err := s.nodes[a.By].Reply(ctx, asked[q], api.ReplyRequest{Body: a.Body})
			if err != nil {
				return fmt.Errorf("%s answers %q: %w", s.handle(a.By), question.Title, err)
			}
			answers[q] = append(answers[q], id)
			count++
		}
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	accepted, helpful := 0, 0
	for q, question := range s.c.Questions {
		for k, a := range question.Answers {
			if a.Accepted {
				if _, err := s.nodes[question.By].Accept(ctx, answers[q][k]); err != nil {
					return fmt.Errorf("%s accepts an answer to %q: %w", s.handle(question.By), question.Title, err)
				}
				accepted++
			}
			for _, m := range a.Helpful {
				if _, err := s.nodes[m].React(ctx, answers[q][k], api.ReactRequest{Reaction: "helpful"}); err != nil {
					return fmt.Errorf("%s reacts: %w", s.handle(m), err)
				}
				helpful++
			}
		}
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	s.progress("%d questions, %d answers, %d accepted, %d helpful reactions", len(asked), count, accepted, helpful)
	return nil
}

// notes writes each note's first revision, then its later revisions one
// round at a time, each on the node of the member who writes it.
func (s *seeder) notes(ctx context.Context) error {
	ids := make([]protocol.ID, len(s.c.Notes))
	rounds, revisions := 0, 0
	for k, note := range s.c.Notes {
		first := note.Revisions[0]
		id, err := s.nodes[first.By].NewNote(ctx, s.community, api.NoteRequest{Title: note.Title, Body: first.Body, Tags: note.Tags})
		if err != nil {
			return fmt.Errorf("%s writes %q: %w", s.handle(first.By), note.Title, err)
		}
		ids[k] = id
		rounds = max(rounds, len(note.Revisions))
		revisions++
	}
	for r := 1; r < rounds; r++ {
		if err := s.settle(ctx); err != nil {
			return err
		}
		for k, note := range s.c.Notes {
			if r >= len(note.Revisions) {
				continue
			}
			rev := note.Revisions[r]
			if _, err := s.nodes[rev.By].Revise(ctx, ids[k], api.RevisionRequest{Title: rev.Title, Body: rev.Body}); err != nil {
				return fmt.Errorf("%s revises %q: %w", s.handle(rev.By), note.Title, err)
			}
			revisions++
		}
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	for k, note := range s.c.Notes {
		for _, m := range note.Applied {
			if _, err := s.nodes[m].React(ctx, ids[k], api.ReactRequest{Reaction: "applied"}); err != nil {
				return fmt.Errorf("%s reacts to %q: %w", s.handle(m), note.Title, err)
			}
		}
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	s.progress("%d knowledge notes, %d revisions by different members", len(ids), revisions)
	return nil
}

// event announces the upcoming meeting and collects the answers.
func (s *seeder) event(ctx context.Context) error {
	e := s.c.Event
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(e.In + e.At)
	id, err := s.nodes[e.By].NewEvent(ctx, s.community, api.EventRequest{Title: e.Title, Where: e.Where, Body: e.Body, Tags: e.Tags,
		Start: start.Format(time.RFC3339), End: start.Add(e.Length).Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("%s announces %q: %w", s.handle(e.By), e.Title, err)
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	for m, answer := range e.RSVP {
		if _, err := s.nodes[m].RSVP(ctx, id, api.RSVPRequest{Answer: answer}); err != nil {
			return fmt.Errorf("%s answers %q: %w", s.handle(m), e.Title, err)
		}
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	s.progress("event %q on %s, %d answers", e.Title, start.Format("Mon 2 Jan 15:04 MST"), len(e.RSVP))
	return nil
}

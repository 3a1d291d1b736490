package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kith-network/kith/protocol"
)

// The moderation routes: roles, deletion, hiding and showing again.

func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req RoleRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := s.backend.SetRole(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

func (s *Server) revokeInvite(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	invite, err := protocol.ParseID(r.PathValue("invite"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invite: %w", err))
		return
	}
	rid, err := s.backend.RevokeInvite(r.Context(), id, invite)
	s.reply(w, Created{ID: rid}, err)
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	s.moderate(w, r, s.backend.Delete)
}

func (s *Server) hideRecord(w http.ResponseWriter, r *http.Request) {
	s.moderate(w, r, s.backend.Hide)
}

func (s *Server) unhideRecord(w http.ResponseWriter, r *http.Request) {
	s.moderate(w, r, s.backend.Unhide)
}

func (s *Server) hidden(w http.ResponseWriter, r *http.Request) {
	communityPage(s, w, r, s.backend.Hidden)
}

func (s *Server) unshared(w http.ResponseWriter, r *http.Request) {
	communityPage(s, w, r, s.backend.Unshared)
}

func (s *Server) moderationLog(w http.ResponseWriter, r *http.Request) {
	communityPage(s, w, r, s.backend.ModerationLog)
}

func (s *Server) moderate(w http.ResponseWriter, r *http.Request, act func(context.Context, protocol.ID, ModerationRequest) (protocol.ID, error)) {
	id, ok := s.pathID(w, r)
	var req ModerationRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := act(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

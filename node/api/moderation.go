package api

import (
	"context"
	"net/http"

	"github.com/kith-network/kith/protocol"
)

// The moderation routes: roles, deletion, hiding.

func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req RoleRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := s.backend.SetRole(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request) {
	s.moderate(w, r, s.backend.Delete)
}

func (s *Server) hideRecord(w http.ResponseWriter, r *http.Request) {
	s.moderate(w, r, s.backend.Hide)
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

package api

import (
	"net/http"
)

// The people routes: profiles, members, who knows what.

func (s *Server) setProfile(w http.ResponseWriter, r *http.Request) {
	var req ProfileRequest
	if !s.decode(w, r, &req) {
		return
	}
	ans, err := s.backend.SetProfile(r.Context(), req)
	s.reply(w, ans, err)
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	p, err := s.backend.Profile(r.Context())
	s.reply(w, p, err)
}

func (s *Server) members(w http.ResponseWriter, r *http.Request) {
	communityPage(s, w, r, s.backend.Members)
}

func (s *Server) experts(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	es, err := s.backend.Experts(r.Context(), id, r.URL.Query().Get("tag"))
	s.reply(w, es, err)
}

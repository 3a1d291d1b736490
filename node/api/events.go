package api

import (
	"fmt"
	"net/http"
)

// The events routes: a community's meetings and who comes.

func (s *Server) eventList(w http.ResponseWriter, r *http.Request) {
	list := s.backend.Events
	switch past := r.URL.Query().Get("past"); past {
	case "", "false", "0":
	case "true", "1":
		list = s.backend.PastEvents
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("past=%q: want true or false", past))
		return
	}
	communityPage(s, w, r, list)
}

func (s *Server) newEvent(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req EventRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	eid, err := s.backend.NewEvent(r.Context(), id, req)
	s.reply(w, Created{ID: eid}, err)
}

func (s *Server) editEvent(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req EventRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	eid, err := s.backend.EditEvent(r.Context(), id, req)
	s.reply(w, Created{ID: eid}, err)
}

func (s *Server) rsvp(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req RSVPRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := s.backend.RSVP(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

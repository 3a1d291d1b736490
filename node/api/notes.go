package api

import (
	"fmt"
	"net/http"

	"github.com/kith-network/kith/protocol"
)

// The notes routes: the community's knowledge base.

func (s *Server) notes(w http.ResponseWriter, r *http.Request) {
	communityPage(s, w, r, s.backend.Notes)
}

func (s *Server) newNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req NoteRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	nid, err := s.backend.NewNote(r.Context(), id, req)
	s.reply(w, Created{ID: nid}, err)
}

func (s *Server) revise(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req RevisionRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := s.backend.Revise(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

func (s *Server) noteDiff(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	var revs [2]protocol.ID
	for i, name := range []string{"a", "b"} {
		var err error
		if revs[i], err = protocol.ParseID(r.URL.Query().Get(name)); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("revision %s: %w", name, err))
			return
		}
	}
	d, err := s.backend.NoteDiff(r.Context(), id, revs[0], revs[1])
	s.reply(w, d, err)
}

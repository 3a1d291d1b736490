package api

import (
	"fmt"
	"net/http"
)

// maxImport bounds an archive sent to POST /api/import.
const maxImport = 8 << 30

// export streams a community's archive. An error after the first bytes
// cannot change the status: the archive then lacks its end marker, which
// every reader reports as cut short.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kith-%.12s.archive"`, id))
	if err := s.backend.Export(r.Context(), id, w); err != nil {
		s.log.Warn("export", "community", id, "err", err)
		s.reply(w, nil, err) // heard only if nothing was written yet
	}
}

func (s *Server) importArchive(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImport)
	res, err := s.backend.Import(r.Context(), r.Body)
	s.reply(w, res, err)
}

package api

import (
	"fmt"
	"net/http"
	"strconv"
)

// Log line bounds: how many recent lines an answer carries by default and
// at most.
const (
	DefaultLogLines = 100
	MaxLogLines     = 2000
)

// logs sends the node's recent log as JSON lines (one slog record each),
// ?lines=N of them; with ?follow=1 it goes on with each line as it is
// logged, and a blank line when idle so that the reader can tell it is
// alive.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	lines := DefaultLogLines
	if v := r.URL.Query().Get("lines"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxLogLines {
			writeError(w, http.StatusBadRequest, fmt.Errorf("lines %q: want a number from 0 to %d", v, MaxLogLines))
			return
		}
		lines = n
	}
	follow := r.URL.Query().Get("follow") == "1"
	flusher, ok := w.(http.Flusher)
	if follow && !ok {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("streaming is not supported here"))
		return
	}
	recent, next, err := s.backend.Logs(r.Context(), lines, follow)
	if err != nil {
		s.reply(w, nil, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	for _, line := range recent {
		if _, err := w.Write(line); err != nil {
			return
		}
	}
	if follow {
		pump(w, r, flusher, next, "\n", func(line []byte) error {
			_, err := w.Write(line)
			return err
		})
	}
}

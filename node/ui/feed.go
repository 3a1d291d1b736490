package ui

import (
	"fmt"
	"net/http"
	"time"
)

// feed tells the page's script, as server-sent events, which community
// just got a record: the script then refreshes the page's live part.
// Nothing of the record itself goes out: the page fetches it anew.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported here", http.StatusInternalServerError)
		return
	}
	items, err := s.backend.Feed(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case it, ok := <-items:
			if !ok {
				return
			}
			if it.Record == nil {
				continue
			}
			if _, err := fmt.Fprintf(w, "event: record\ndata: %s\n\n", it.Record.Community); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}

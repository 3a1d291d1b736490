package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// feedKeepAlive is how often an idle feed gets a comment line,
// so that proxies and the reader can tell it is alive.
const feedKeepAlive = 15 * time.Second

// stream sends the node's feed as server-sent events: one
// "event: <type>" and one "data: <json>" line each.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("streaming is not supported here"))
		return
	}
	ch, err := s.backend.Feed(r.Context())
	if err != nil {
		s.reply(w, nil, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	tick := time.NewTicker(feedKeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case ev, ok := <-ch:
			if !ok {
				return
			}
			data, err := json.Marshal(ev)
			if err != nil {
				s.log.Error("encode event", "err", err)
				continue
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, data); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}

package api

import (
	"encoding/json"
	"fmt"
	"io"
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
	pump(w, r, flusher, ch, ": keep-alive\n\n", func(ev FeedItem) error {
		data, err := json.Marshal(ev)
		if err != nil {
			s.log.Error("encode event", "err", err)
			return nil
		}
		_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, data)
		return err
	})
}

// pump writes what ch carries, flushing after each, and keepAlive (which
// readers skip) when idle, so that proxies and the reader can tell the
// stream is alive; it returns when the request or ch ends, or a write
// fails.
func pump[T any](w http.ResponseWriter, r *http.Request, flusher http.Flusher, ch <-chan T, keepAlive string, write func(T) error) {
	flusher.Flush()
	tick := time.NewTicker(feedKeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := io.WriteString(w, keepAlive); err != nil {
				return
			}
		case v, ok := <-ch:
			if !ok {
				return
			}
			if err := write(v); err != nil {
				return
			}
		}
		flusher.Flush()
	}
}

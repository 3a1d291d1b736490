package api

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/kith-network/kith/protocol"
)

// maxUpload bounds a file sent to POST /api/files; the node's own limit
// (max_file_mb) is usually lower and is checked as the bytes arrive.
const maxUpload = protocol.MaxAttachmentBytes

// uploadFile keeps a file the caller will attach to a record it makes
// next: the body is the file, ?name= its name, ?type= its media type.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	q := r.URL.Query()
	f, err := s.backend.AddFile(r.Context(), r.Body, q.Get("name"), q.Get("type"))
	s.reply(w, f, err)
}

func (s *Server) files(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	limit, ok2 := s.limit(w, r)
	if !ok || !ok2 {
		return
	}
	fs, err := s.backend.Files(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	s.reply(w, fs, err)
}

// fetchFile fetches a file now, answering a JSON line of progress about
// every quarter second and a last line that says whether it worked.
func (s *Server) fetchFile(w http.ResponseWriter, r *http.Request) {
	h, err := protocol.ParseID(r.PathValue("hash"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("file hash: %w", err))
		return
	}
	flusher, _ := w.(http.Flusher)
	started := false
	enc := json.NewEncoder(w)
	start := func() {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.WriteHeader(http.StatusOK)
			started = true
		}
	}
	f, err := s.backend.FetchFile(r.Context(), h, func(p FileProgress) {
		start()
		enc.Encode(p)
		if flusher != nil {
			flusher.Flush()
		}
	})
	if !started && err != nil {
		s.reply(w, nil, err) // refused before any progress: a proper status
		return
	}
	start()
	last := FileProgress{Received: f.Size, Size: f.Size, Done: err == nil}
	if err != nil {
		last.Received, last.Error = 0, err.Error()
	}
	enc.Encode(last)
}

// downloadFile sends a file's bytes, if they are on this node.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	h, err := protocol.ParseID(r.PathValue("hash"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("file hash: %w", err))
		return
	}
	file, f, err := s.backend.OpenFile(r.Context(), h, r.URL.Query().Get("name"))
	if err != nil {
		s.reply(w, nil, err)
		return
	}
	defer file.Close()
	ServeFile(w, r, file, f)
}

// ServeFile sends an attachment's bytes as a download: always
// application/octet-stream with the record's name as the file name (the
// UI shows images itself), never sniffed, never rendered by the browser.
func ServeFile(w http.ResponseWriter, r *http.Request, file *os.File, f File) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	http.ServeContent(w, r, "", time.Time{}, file)
}

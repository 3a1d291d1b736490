package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
)

// Attachments in the UI: forms that make records take files (a file
// picker, or files dropped on the form: static/live.js), pages show
// images inline and other files as downloads, and files not on this node
// yet can be fetched with a button.

// maxFormText bounds the text fields of a form with files.
const maxFormText = 1 << 20

// inlineTypes are the image types shown in pages. SVG is not among them:
// it can carry script, so it is offered as a download like any file.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

type uploadsKey struct{}

// uploaded returns the files sent with a form.
func uploaded(r *http.Request) []api.File {
	fs, _ := r.Context().Value(uploadsKey{}).([]api.File)
	return fs
}

// readMultipart reads a form with files: the files go straight into the
// node's file store as they arrive (nothing is written elsewhere), the
// other fields into r.PostForm. It returns the request carrying the files.
func (s *Server) readMultipart(r *http.Request) (*http.Request, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	r.PostForm = url.Values{}
	var files []api.File
	text := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxFormText+1))
			r.PostForm.Add(name, string(b)) // even refused, for the error page to show back
			if text += len(b); err != nil || text > maxFormText {
				return nil, fmt.Errorf("the form's text is over %d bytes", maxFormText)
			}
			continue
		}
		if name != "files" {
			return nil, fmt.Errorf("unexpected file field %q", name)
		}
		// A browser on Windows may send the whole path (C:\Users\me\a.txt),
		// which FileName (cut at "/") keeps: the name is its last part.
		fileName := part.FileName()
		if i := strings.LastIndexByte(fileName, '\\'); i >= 0 {
			fileName = fileName[i+1:]
		}
		f, err := s.backend.AddFile(r.Context(), part, fileName, part.Header.Get("Content-Type"))
		if err != nil {
			return nil, refusedFile{name: fileName, err: err}
		}
		files = append(files, f)
	}
	return r.WithContext(context.WithValue(r.Context(), uploadsKey{}, files)), nil
}

// refusedFile is a file of a form that the node did not take. readForm
// calls whatever fails in reading a form a bad request, adding the words
// itself: the node's own "bad request: " is left out of the message,
// which said it twice ("bad request: attach ...: bad request: ...").
type refusedFile struct {
	name string
	err  error
}

func (e refusedFile) Error() string {
	msg := e.err.Error()
	if errors.Is(e.err, api.ErrBadRequest) {
		msg = strings.TrimPrefix(msg, api.ErrBadRequest.Error()+": ")
	}
	return fmt.Sprintf("attach %q: %s", e.name, msg)
}

func (e refusedFile) Unwrap() error { return e.err }

// file serves a file's bytes: images the page shows, inline; everything
// else as a download, never rendered by the browser.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	h, err := pathValueID(r, "hash")
	if err != nil {
		s.fail(w, err)
		return
	}
	// The name the page showed: the same bytes may be attached under
	// other names elsewhere.
	file, f, err := s.backend.OpenFile(r.Context(), h, r.URL.Query().Get("name"))
	if err != nil {
		s.fail(w, err)
		return
	}
	defer file.Close()
	if !inlineTypes[f.Type] || r.URL.Query().Has("download") {
		api.ServeFile(w, r, file, f)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.Type)
	hd.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": f.Name}))
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	hd.Set("Cache-Control", "private, max-age=31536000, immutable") // content-addressed
	http.ServeContent(w, r, "", time.Time{}, file)
}

// fetchFile starts fetching a file from members' nodes and goes back to
// the page, which shows the progress. A fetch that fails while this waits
// is an error page saying why; one that fails later, the node remembers,
// and the page shows why next to the file (the "files" partial). Either
// way the node's log says so.
func (s *Server) fetchFile(r *http.Request) (string, error) {
	h, err := pathValueID(r, "hash")
	if err != nil {
		return "", err
	}
	// The fetch goes on in the node after this wait ends; a small file is
	// here before the page comes back.
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	f, err := s.backend.FetchFile(ctx, h, nil)
	// Only the end of the wait means "still going": a failure that wraps
	// a peer's own timeout is a failure.
	if err != nil && ctx.Err() == nil {
		if api.StatusOf(err) != http.StatusInternalServerError { // failWith logs those
			s.log.Info("fetching an attachment from the UI failed", "hash", h, "name", f.Name, "err", err)
		}
		return "", err
	}
	return backTo(r, "/"), nil
}

// filesView is what the files partial shows.
type filesView struct {
	Files []api.File
	Back  string // the page to come back to after a fetch
}

func filesOf(back string, fs []api.File) filesView { return filesView{Files: fs, Back: back} }

// percent says how far a fetch is.
func percent(f api.File) int {
	if f.Size == 0 {
		return 0
	}
	return int(f.Received * 100 / f.Size)
}

func isImage(f api.File) bool { return inlineTypes[strings.ToLower(f.Type)] }

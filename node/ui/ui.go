// Package ui is the daemon's local web interface: server-rendered pages
// (html/template, assets embedded in the binary, nothing fetched from the
// internet), usable without JavaScript, with one small script of ours that
// refreshes a page's live part when the node stores something new.
//
// Everything a page shows came from other people's machines: templates
// escape it all. The UI answers only on the loopback address, only to a
// Host naming this machine, and only to a browser holding the session
// cookie that the daemon's login link sets; forms are accepted only from
// the UI's own pages (Origin check, SameSite=Strict cookie).
package ui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// sessionCookie is the name of the session cookie the login link sets.
const sessionCookie = "kith_session"

// cookieName returns a cookie's name for the UI this request reached:
// browsers keep one cookie jar per host name, whatever the port, so
// without the port in the name, two nodes on one machine (kith demo, a
// second home) would log each other out.
func cookieName(base string, r *http.Request) string {
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" {
		return base + "_" + port
	}
	return base
}

// Server is the UI's HTTP handler.
type Server struct {
	backend  api.Backend
	token    string
	session  string // the session cookie's value
	logins   logins
	once     expiring[invitePage] // invite form answers, by token (once.go)
	inviteMu sync.Mutex           // one invite form at a time (admin.go)
	log      *slog.Logger
	mux      *http.ServeMux
	pages    map[string]*template.Template
}

// New returns the UI handler. token is the API token: `kith ui` proves
// with it that it may ask for a login link, and the session cookie is
// derived from it.
func New(backend api.Backend, token string, log *slog.Logger) (*Server, error) {
	s := &Server{backend: backend, token: token, session: sessionValue(token), log: log, mux: http.NewServeMux(),
		pages: make(map[string]*template.Template)}
	s.logins.codes = expiring[struct{}]{ttl: loginTTL, max: maxLogins}
	s.once = expiring[invitePage]{ttl: onceTTL, max: maxOnce}
	if err := s.parse(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	// The route table: every page at a glance. GET never changes anything;
	// every POST is a form from the UI's own pages.
	routes := []struct {
		pattern string
		handler http.Handler
	}{
		{"GET /login", http.HandlerFunc(s.login)},
		{"POST /ui/login-links", http.HandlerFunc(s.newLoginLink)},
		{"POST /logout", s.authed(http.HandlerFunc(s.logout))},
		{"GET /{$}", s.page(s.home)},
		{"POST /communities", s.form(s.createCommunity)},
		{"POST /join", s.form(s.join)},

		// A community, its threads and its pictures (threads.go, about.go)
		{"GET /c/{id}", s.page(s.community)},
		{"GET /c/{id}/about", s.page(s.about)},
		{"GET /c/{id}/export", s.authed(http.HandlerFunc(s.exportArchive))},
		{"GET /c/{id}/forget", s.page(s.forgetForm)},
		{"POST /c/{id}/forget", s.form(s.forget)},
		{"GET /c/{id}/unshared", s.page(s.unshared)},
		{"POST /c/{id}/posts", s.form(s.newPost)},
		{"GET /t/{id}", s.page(s.thread)},
		{"POST /t/{id}/replies", s.form(s.newReply)},
		{"POST /t/{id}/accept", s.form(s.accept)},
		{"POST /t/{id}/unaccept", s.form(s.unaccept)},
		{"GET /t/{id}/edit", s.page(s.editForm)},
		{"POST /t/{id}/edit", s.form(s.edit)},
		{"GET /r/{id}/versions", s.page(s.versions)},

		// Notes (notes.go)
		{"GET /c/{id}/notes", s.page(s.notes)},
		{"POST /c/{id}/notes", s.form(s.newNote)},
		{"POST /t/{id}/note", s.form(s.promote)},
		{"GET /n/{id}", s.page(s.note)},
		{"GET /n/{id}/edit", s.page(s.noteEdit)},
		{"POST /n/{id}/revisions", s.form(s.revise)},
		{"GET /n/{id}/diff", s.page(s.noteDiff)},

		// People, profiles and events (people.go, events.go)
		{"GET /c/{id}/people", s.page(s.people)},
		{"GET /c/{id}/people/{key}", s.page(s.person)},
		{"GET /settings", s.page(s.settings)},
		{"POST /settings/profile", s.form(s.setProfile)},
		{"GET /c/{id}/events", s.page(s.events)},
		{"POST /c/{id}/events", s.form(s.newEvent)},
		{"GET /e/{id}", s.page(s.event)},
		{"POST /e/{id}/rsvp", s.form(s.rsvp)},
		{"GET /e/{id}/edit", s.page(s.eventEdit)},
		{"POST /e/{id}/edit", s.form(s.editEvent)},

		// Reactions (actions.go), moderation and invites (admin.go)
		{"GET /c/{id}/admin", s.page(s.admin)},
		{"POST /c/{id}/invites", s.formPage(s.invite)},
		{"POST /c/{id}/invites/{invite}/revoke", s.form(s.revokeInvite)},
		{"POST /c/{id}/roles", s.form(s.setRole)},
		{"POST /r/{id}/react", s.form(s.react)},
		{"POST /r/{id}/delete", s.form(s.deleteRecord)},
		{"POST /r/{id}/hide", s.form(s.hideRecord)},
		{"POST /r/{id}/unhide", s.form(s.unhideRecord)},

		// Search (search.go)
		{"GET /search", s.page(s.search)},

		// The network (network.go)
		{"GET /network", s.page(s.network)},
		{"POST /network/peers", s.form(s.connect)},
		{"POST /c/{id}/sync", s.form(s.syncNow)},

		// Attachments (files.go)
		{"GET /files/{hash}", s.authed(http.HandlerFunc(s.file))},
		{"POST /files/{hash}/fetch", s.form(s.fetchFile)},

		{"GET /ui/feed", s.authed(http.HandlerFunc(s.feed))},
		{"GET /static/", http.StripPrefix("/static/", http.FileServerFS(static))},
		{"GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently)},

		// Anything else: a page that says so, with the way back.
		{"/", s.authed(http.HandlerFunc(s.notFound))},
	}
	for _, r := range routes {
		s.mux.Handle(r.pattern, r.handler)
	}
	return s, nil
}

// ServeHTTP checks the Host header, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !api.LoopbackHost(r.Host) {
		http.Error(w, "this page answers only on localhost", http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin") // "no-referrer" would make forms send Origin: null
	s.mux.ServeHTTP(w, r)
}

// page serves a GET page: fn returns the template and its data.
func (s *Server) page(fn func(r *http.Request) (string, any, error)) http.Handler {
	return s.authed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, data, err := fn(r)
		if to := seeOther(""); errors.As(err, &to) {
			http.Redirect(w, r, string(to), http.StatusSeeOther)
			return
		}
		if err != nil {
			s.failForm(w, r, err)
			return
		}
		if c, ok := data.(cookieSetter); ok {
			c.setCookies(w, r)
		}
		if _, ok := data.(uncached); ok {
			w.Header().Set("Cache-Control", "no-store")
		}
		s.render(w, http.StatusOK, name, data)
	}))
}

// uncached is page data that no cache, the browser's back/forward cache
// included, may keep: the moderation page, whose invite form carries a
// token for one send (once.go), so that going back to it gives a fresh one.
type uncached interface{ uncached() }

// cookieSetter is page data that also sets cookies (the home page's
// reading state).
type cookieSetter interface {
	setCookies(w http.ResponseWriter, r *http.Request)
}

// form serves a POST form: fn returns where to go next.
func (s *Server) form(fn func(r *http.Request) (string, error)) http.Handler {
	return s.authed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := s.readForm(w, r)
		if !ok {
			return
		}
		next, err := fn(r)
		if err != nil {
			s.failForm(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}))
}

// formPage serves a POST form whose answer is a page rather than a
// redirect, because it shows what exists only in this answer (a new
// invite code): no cache keeps it.
func (s *Server) formPage(fn func(r *http.Request) (string, any, error)) http.Handler {
	return s.authed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := s.readForm(w, r)
		if !ok {
			return
		}
		name, data, err := fn(r)
		if to := seeOther(""); errors.As(err, &to) {
			http.Redirect(w, r, string(to), http.StatusSeeOther)
			return
		}
		if err != nil {
			s.failForm(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, http.StatusOK, name, data)
	}))
}

// readForm checks that a form came from the UI's own pages and parses it
// (with its files, if it has some: files.go), answering the request itself
// when it did not or cannot.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if !sameOrigin(r) {
		s.render(w, http.StatusForbidden, "error", errorPage{Title: "Refused", Message: "This form was not sent from Kith's own pages."})
		return r, false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		// The node bounds each file by its own limit as it arrives.
		r.Body = http.MaxBytesReader(w, r.Body, protocol.MaxAttachments*protocol.MaxAttachmentBytes)
		withFiles, err := s.readMultipart(r)
		if err != nil {
			// The text fields read before the refusal are kept on the page.
			s.failForm(w, r, fmt.Errorf("%w: %w", api.ErrBadRequest, err))
			return r, false
		}
		lineFeeds(withFiles.PostForm)
		return withFiles, true
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, fmt.Errorf("%w: %v", api.ErrBadRequest, err))
		return r, false
	}
	lineFeeds(r.PostForm)
	return r, true
}

// lineFeeds ends the lines of a form's fields with "\n" alone: browsers
// send a textarea's lines ended "\r\n", which records would otherwise
// keep, so that saving a form unchanged would change the text.
func lineFeeds(form url.Values) {
	for _, vs := range form {
		for i, v := range vs {
			vs[i] = strings.ReplaceAll(v, "\r\n", "\n")
		}
	}
}

// sameOrigin reports whether a form came from this UI: browsers send
// Origin with every POST; it must name the host the request was sent to.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	// Exactly what a browser sends for a page of this UI: scheme and
	// host, nothing more.
	return o == "http://"+r.Host && api.LoopbackHost(r.Host)
}

type errorPage struct {
	Title, Message string
	// Back is the page a refused form was sent from, if known.
	Back string
	// Info marks a message that is no error (logged out).
	Info bool
	// LoggedOut says the browser has no session: the page says how to
	// get one, and offers no link to pages it cannot open.
	LoggedOut bool
	// Kept is what the member wrote in the refused form, shown back so
	// that a refusal loses nothing (keptText).
	Kept []keptField
}

// keptField is one field of a refused form, as the member wrote it.
type keptField struct {
	Name, Label, Value string
	Rows               int
}

// writtenFields are the form fields that hold what a member wrote, as
// opposed to choices and ids, which the page they came from shows again.
var writtenFields = []keptField{{Name: "title", Label: "Title", Rows: 2}, {Name: "name", Label: "Name", Rows: 2},
	{Name: "org", Label: "Organisation", Rows: 2}, {Name: "domain", Label: "Domain", Rows: 2}, {Name: "where", Label: "Where", Rows: 2},
	{Name: "body", Label: "Text", Rows: 12}, {Name: "bio", Label: "About you", Rows: 8}, {Name: "charter", Label: "Charter", Rows: 6},
	{Name: "expertise", Label: "Expertise", Rows: 2}, {Name: "tags", Label: "Tags", Rows: 2}, {Name: "reason", Label: "Reason", Rows: 2}}

// keptText returns the fields of a refused form that hold what the member
// wrote, those not blank.
func keptText(r *http.Request) []keptField {
	var kept []keptField
	for _, f := range writtenFields {
		if v := r.PostForm.Get(f.Name); strings.TrimSpace(v) != "" {
			f.Value = v
			kept = append(kept, f)
		}
	}
	return kept
}

// failForm is fail for a form: the error page also holds what the member
// wrote in it.
func (s *Server) failForm(w http.ResponseWriter, r *http.Request, err error) {
	s.failWith(w, err, keptText(r), s.cameFrom(r))
}

// fail renders an error page with the status its error calls for.
func (s *Server) fail(w http.ResponseWriter, err error) { s.failWith(w, err, nil, "") }

// cameFrom returns the page of this UI a form was sent from, from the
// Referer header browsers send to the same origin (Referrer-Policy
// same-origin), so that the error page leads back to it; "" for a page
// request, whose way back is the browser's, and for an address that is
// no page (a form's answer shown at the form's address, such as a new
// invite's).
func (s *Server) cameFrom(r *http.Request) string {
	if r.Method != http.MethodPost {
		return ""
	}
	u, err := url.Parse(r.Referer())
	if err != nil || u.Scheme != "http" || u.Host != r.Host {
		return ""
	}
	back := u.RequestURI()
	if !localPath(back) {
		return ""
	}
	page := &http.Request{Method: http.MethodGet, Host: r.Host, URL: &url.URL{Path: u.Path}}
	if _, pattern := s.mux.Handler(page); pattern == "/" || pattern == "" {
		return ""
	}
	return back
}

func (s *Server) failWith(w http.ResponseWriter, err error, kept []keptField, back string) {
	if kept != nil {
		w.Header().Set("Cache-Control", "no-store") // what the member wrote stays out of caches
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	code := api.StatusOf(err)
	if code == http.StatusInternalServerError {
		s.log.Error("ui", "err", err)
	}
	// The page's title says "Not Found": the message need not start so.
	msg := err.Error()
	for _, sentinel := range []error{api.ErrBadRequest, api.ErrNotFound, api.ErrForbidden, api.ErrUnavailable} {
		msg = strings.TrimPrefix(msg, sentinel.Error()+": ")
	}
	s.render(w, code, "error", errorPage{Title: http.StatusText(code), Message: msg, Kept: kept, Back: back})
}

// notFound answers an address that is no page of the UI: a mistyped or
// cut link, or the address of a form (which takes POSTs only) opened as
// a page, as a browser does when its address bar is reused.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	other, allow := r.Clone(r.Context()), http.MethodPost
	other.Method = http.MethodPost
	if r.Method == http.MethodPost {
		other.Method, allow = http.MethodGet, "GET, HEAD"
	}
	if _, pattern := s.mux.Handler(other); pattern != "/" {
		w.Header().Set("Allow", allow)
		msg := "This address is where a form of the page before is sent; it is not a page to open. Go back, and send the form from there."
		if r.Method == http.MethodPost {
			msg = "This page takes no form. Go back and try again from the page you were on."
		}
		s.render(w, http.StatusMethodNotAllowed, "error", errorPage{Title: http.StatusText(http.StatusMethodNotAllowed), Message: msg})
		return
	}
	s.fail(w, fmt.Errorf("%w: there is no page at %s: check the link, or start again from your communities", api.ErrNotFound, r.URL.Path))
}

func (s *Server) render(w http.ResponseWriter, code int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := s.pages[name].ExecuteTemplate(w, "layout.html", data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}

// backTo returns the form's "back" field when it is a path on this site
// (a form sent from a page returns there), else fallback. Browsers drop
// tabs and newlines from a Location and read a backslash as a slash, so
// any control character or backslash could make "/\t/evil.example" a
// link off the site: such a value is refused.
func backTo(r *http.Request, fallback string) string {
	if b := r.PostForm.Get("back"); localPath(b) {
		return b
	}
	return fallback
}

// localPath reports whether p is a path of this site that a redirect or a
// link may take: nothing a browser could read as another site (a
// scheme, "//host", a backslash, which browsers read as a slash, or
// control characters, which they drop).
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// noPageFor makes the backend's refusal of the id in a page's address (an
// id of another kind of record: a community's at /t/) a page not found,
// as for an id of nothing held here, saying what the id is. An id whose
// page is another (a reply's at /t/, a post's at /n/) leads there.
func (s *Server) noPageFor(r *http.Request, err error) error {
	if !errors.Is(err, api.ErrBadRequest) {
		return err
	}
	if id, perr := pathID(r); perr == nil && r.Method == http.MethodGet && strings.Count(r.URL.Path, "/") == 2 {
		if p := s.pageOf(r.Context(), id); p != "" && !strings.HasPrefix(p, r.URL.Path) {
			return seeOther(p)
		}
	}
	msg := strings.TrimPrefix(err.Error(), api.ErrBadRequest.Error()+": ")
	return fmt.Errorf("%w: there is no page at %s: %s", api.ErrNotFound, r.URL.Path, msg)
}

// seeOther is a page's answer that the page the browser asked for is at
// another address.
type seeOther string

func (p seeOther) Error() string { return "see " + string(p) }

// pageOf is the address of the page that shows record id (a reply's
// thread, at the reply), or "" for a record no page shows.
func (s *Server) pageOf(ctx context.Context, id protocol.ID) string {
	ms, err := s.backend.Resolve(ctx, id.String())
	if err != nil {
		return ""
	}
	for _, m := range ms {
		if m.ID != id {
			continue
		}
		switch m.What {
		case "community":
			return "/c/" + id.String()
		case "note":
			return "/n/" + id.String()
		case "post", "reply", "event":
			v, err := s.backend.Versions(ctx, id) // the original, and its thread
			switch {
			case err != nil:
			case m.What == "reply":
				return "/t/" + v.Thread.String() + "#r-" + v.Record.String()
			case m.What == "post":
				return "/t/" + v.Record.String()
			default:
				return "/e/" + v.Record.String()
			}
		}
	}
	return ""
}

// pathID reads the {id} of a route.
func pathID(r *http.Request) (protocol.ID, error) { return pathValueID(r, "id") }

// pathValueID parses the id in the path's wildcard name: an address that
// names nothing is a page not found, as for an id of nothing held here.
func pathValueID(r *http.Request, name string) (protocol.ID, error) {
	id, err := protocol.ParseID(r.PathValue(name))
	if err != nil {
		return protocol.ID{}, fmt.Errorf("%w: there is no page at %s: %q is not an id (64 hexadecimal digits)", api.ErrNotFound, r.URL.Path, r.PathValue(name))
	}
	return id, nil
}

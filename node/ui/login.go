package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// How a browser gets in: the daemon prints a login link at start and
// `kith ui` asks for a fresh one; each carries a random code that works
// once, within loginTTL, and is traded for an HttpOnly SameSite=Strict
// session cookie. A link seen by someone else (a screenshot, shell
// history, a log) is worthless once used or a quarter of an hour old (a
// service's log is read by others), and the API token itself never
// travels in a URL.

const (
	loginTTL  = 15 * time.Minute
	maxLogins = 64 // codes outstanding; the oldest is dropped beyond
)

// logins holds the login codes not yet used.
type logins struct{ codes expiring[struct{}] }

// mint returns a fresh code.
func (l *logins) mint() string {
	code := randomHex(32)
	l.codes.put(code, struct{}{})
	return code
}

// use reports whether code is valid, and makes it invalid from now on.
func (l *logins) use(code string) bool {
	_, ok := l.codes.take(code)
	return ok
}

// LoginPath returns the path and query of a fresh one-time login link.
func (s *Server) LoginPath() string { return "/login?code=" + s.logins.mint() }

// sessionValue derives the session cookie from the API token: it changes
// with every daemon start, like the token, and reveals nothing of it.
func sessionValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("kith ui session"))
	return hex.EncodeToString(m.Sum(nil))
}

// login trades a login code for a session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.logins.use(r.URL.Query().Get("code")) {
		if s.hasSession(r) {
			// A link used already, opened again in the browser it logged
			// in (from the history, a bookmark): nothing is wrong.
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		s.render(w, http.StatusUnauthorized, "error", errorPage{Title: "Not logged in", LoggedOut: true,
			Message: fmt.Sprintf("This login link is not valid: each link works once, within %d minutes of being made.", int(loginTTL.Minutes()))})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(sessionCookie, r), Value: s.session, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	next := "/"
	if c, err := r.Cookie(cookieName(nextCookie, r)); err == nil {
		if p, err := url.QueryUnescape(c.Value); err == nil && localPath(p) {
			next = p
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName(nextCookie, r), Path: "/", MaxAge: -1})
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// nextCookie holds, for a browser that is not logged in, the page it
// asked for: logging in then leads there rather than to the communities,
// so that a link followed after the daemon restarted (a new session) still
// reaches its page.
const nextCookie = "kith_next"

// rememberPage keeps the page a browser that is not logged in was after,
// for login: the page it opened, or for a form of the UI's own pages the
// page the form was on. A request of a script (the live page's feed) is
// not a page one was after.
func (s *Server) rememberPage(w http.ResponseWriter, r *http.Request) {
	var p string
	switch {
	case r.Method == http.MethodPost && sameOrigin(r):
		p = s.cameFrom(r)
	case r.Method == http.MethodGet && r.URL.Path != "/ui/feed":
		if mode := r.Header.Get("Sec-Fetch-Mode"); mode == "" || mode == "navigate" {
			p = r.URL.RequestURI()
		}
	}
	if !localPath(p) || p == "/" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(nextCookie, r), Value: url.QueryEscape(p), Path: "/",
		MaxAge: int(loginTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// logout ends this browser's session: the cookie is dropped here, and a
// fresh login link (`kith ui`) lets it in again. Other browsers logged
// in stay so until the daemon restarts, which ends every session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.readForm(w, r); !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(sessionCookie, r), Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, http.StatusOK, "error", errorPage{Title: "Logged out", Info: true,
		Message: "This browser is logged out of Kith.", LoggedOut: true})
}

// newLoginLink answers `kith ui`, which proves with the API token that it
// may log a browser in, with a fresh login link.
func (s *Server) newLoginLink(w http.ResponseWriter, r *http.Request) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		http.Error(w, "missing or wrong API token", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(struct {
		URL string `json:"url"`
	}{"http://" + r.Host + s.LoginPath()})
}

// authed lets through requests with the session cookie.
func (s *Server) authed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hasSession(r) {
			page := errorPage{Title: "Not logged in", LoggedOut: true,
				Message: "This browser has no session with this daemon (it logs in with a login link, which sets a cookie; every session ends when the daemon restarts)."}
			if r.Method == http.MethodPost && sameOrigin(r) {
				// A form of the UI's own pages sent after the daemon
				// restarted (a new session): what the member wrote is kept
				// on the page, as for any refused form, not lost with the
				// session. Another site's form gets no such page.
				page.Message = "This browser's session ended since this page was loaded (the daemon restarted, or the browser was logged out): nothing was saved. " + page.Message
				page.Kept = s.keptUnauthed(w, r)
				page.Back = s.cameFrom(r)
				w.Header().Set("Cache-Control", "no-store")
			}
			s.rememberPage(w, r)
			s.render(w, http.StatusUnauthorized, "error", page)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxKeptForm bounds what a refused form without a session is read for
// the text it holds: a form with big files gives no kept text.
const maxKeptForm = 4 << 20

// keptUnauthed reads a form sent without a valid session for what the
// member wrote in it, within maxKeptForm; nil if it cannot.
func (s *Server) keptUnauthed(w http.ResponseWriter, r *http.Request) []keptField {
	r.Body = http.MaxBytesReader(w, r.Body, maxKeptForm)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxKeptForm); err != nil {
			return nil
		}
		defer r.MultipartForm.RemoveAll()
	} else if err := r.ParseForm(); err != nil {
		return nil
	}
	return keptText(r)
}

// hasSession reports whether r carries this daemon's session cookie.
func (s *Server) hasSession(r *http.Request) bool {
	c, err := r.Cookie(cookieName(sessionCookie, r))
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.session)) == 1
}

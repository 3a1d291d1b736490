// Package api is the daemon's local HTTP API: JSON under /api/, used by
// the kith command (and later the web UI). It listens on loopback only,
// every call needs the bearer token the daemon writes into its home
// directory, and requests whose Host is not a loopback name are refused,
// so a web page elsewhere cannot reach it by DNS rebinding.
package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kith-network/kith/protocol"
)

// Backend is what the API serves: the running node.
type Backend interface {
	Status(ctx context.Context) (Status, error)
	Peers(ctx context.Context) ([]Peer, error)
	Connect(ctx context.Context, addr string) (Peer, error)
	CreateCommunity(ctx context.Context, req CreateCommunityRequest) (protocol.ID, error)
	Communities(ctx context.Context) ([]Community, error)
	Invite(ctx context.Context, community protocol.ID, req InviteRequest) (InviteCode, error)
	Join(ctx context.Context, code string) (protocol.ID, error)
	Post(ctx context.Context, community protocol.ID, req PostRequest) (protocol.ID, error)
	Threads(ctx context.Context, community protocol.ID, q ThreadQuery) (Threads, error)
	Thread(ctx context.Context, post protocol.ID) (ThreadDetail, error)
	Reply(ctx context.Context, to protocol.ID, req ReplyRequest) (protocol.ID, error)
	Accept(ctx context.Context, reply protocol.ID) (protocol.ID, error)
	// Unaccept withdraws the accepted answer of the thread of a post or
	// reply, so that it has none.
	Unaccept(ctx context.Context, id protocol.ID) (protocol.ID, error)
	// Devices lists the member's nodes; RemoveDevice stops vouching for
	// one (a peer id) in every community held here.
	Devices(ctx context.Context) ([]Device, error)
	// ModerationLog lists what a community's moderators did, newest
	// first.
	ModerationLog(ctx context.Context, community protocol.ID, cursor string, limit int) (ModerationLog, error)
	RemoveDevice(ctx context.Context, peerID string) (int, error)
	// NameDevice names this node in the member's device list, in every
	// community it is vouched for in; it returns in how many.
	NameDevice(ctx context.Context, name string) (int, error)
	Edit(ctx context.Context, id protocol.ID, req EditRequest) (protocol.ID, error)
	// Versions lists a post's, reply's or event's versions, oldest first.
	Versions(ctx context.Context, id protocol.ID) (Versions, error)
	NewNote(ctx context.Context, community protocol.ID, req NoteRequest) (protocol.ID, error)
	Notes(ctx context.Context, community protocol.ID, cursor string, limit int) (Notes, error)
	Note(ctx context.Context, id protocol.ID) (NoteDetail, error)
	Revise(ctx context.Context, id protocol.ID, req RevisionRequest) (protocol.ID, error)
	NoteDiff(ctx context.Context, id, a, b protocol.ID) (NoteDiff, error)
	React(ctx context.Context, target protocol.ID, req ReactRequest) (protocol.ID, error)
	SetProfile(ctx context.Context, req ProfileRequest) (ProfileAnswer, error)
	Profile(ctx context.Context) (ProfileRequest, error)
	Members(ctx context.Context, community protocol.ID, cursor string, limit int) (Members, error)
	Experts(ctx context.Context, community protocol.ID, tag string) ([]Expert, error)
	NewEvent(ctx context.Context, community protocol.ID, req EventRequest) (protocol.ID, error)
	EditEvent(ctx context.Context, id protocol.ID, req EventRequest) (protocol.ID, error)
	Event(ctx context.Context, id protocol.ID) (Event, error)
	Events(ctx context.Context, community protocol.ID, cursor string, limit int) (Events, error)
	PastEvents(ctx context.Context, community protocol.ID, cursor string, limit int) (Events, error)
	RSVP(ctx context.Context, event protocol.ID, req RSVPRequest) (protocol.ID, error)
	SetRole(ctx context.Context, community protocol.ID, req RoleRequest) (protocol.ID, error)
	RevokeInvite(ctx context.Context, community, invite protocol.ID) (protocol.ID, error)
	// Invites lists a community's invites, newest first.
	Invites(ctx context.Context, community protocol.ID) ([]InviteInfo, error)
	Delete(ctx context.Context, id protocol.ID, req ModerationRequest) (protocol.ID, error)
	Hide(ctx context.Context, id protocol.ID, req ModerationRequest) (protocol.ID, error)
	// Unhide shows a hidden record again; Hidden lists what is hidden.
	Unhide(ctx context.Context, id protocol.ID, req ModerationRequest) (protocol.ID, error)
	Hidden(ctx context.Context, community protocol.ID, cursor string, limit int) (HiddenRecords, error)
	// Unshared lists what the member wrote after a moderator removed
	// them, which no one else takes.
	Unshared(ctx context.Context, community protocol.ID, cursor string, limit int) (UnsharedRecords, error)
	SyncCommunity(ctx context.Context, community protocol.ID, wait bool) (SyncAnswer, error)
	// ForgetPreview says what Forget would delete; Forget deletes a
	// community from this node and stops replicating it.
	ForgetPreview(ctx context.Context, community protocol.ID) (ForgetPreview, error)
	Forget(ctx context.Context, community protocol.ID) (ForgetAnswer, error)
	Activity(ctx context.Context, community protocol.ID) (Activity, error)
	Search(ctx context.Context, req SearchRequest) (SearchResults, error)
	// Reindex drops the search index and builds it anew in the background.
	Reindex(ctx context.Context) error
	// Export writes a community's archive to w; Import reads one.
	Export(ctx context.Context, community protocol.ID, w io.Writer) error
	Import(ctx context.Context, r io.Reader) (ImportResult, error)
	// Feed streams what the node stores until ctx ends.
	Feed(ctx context.Context) (<-chan FeedItem, error)
	// Logs returns up to lines of the node's recent log, one JSON object
	// each, and if follow, a channel of the lines logged after them, open
	// until ctx ends or the node stops.
	Logs(ctx context.Context, lines int, follow bool) (recent [][]byte, next <-chan []byte, err error)

	// Attachments: AddFile keeps an uploaded file for a record to name;
	// Files lists a community's; FetchFile fetches one from peers now,
	// reporting progress; OpenFile opens one that is here.
	AddFile(ctx context.Context, r io.Reader, name, mediaType string) (File, error)
	Files(ctx context.Context, community protocol.ID, cursor string, limit int) (Files, error)
	FetchFile(ctx context.Context, hash protocol.ID, progress func(FileProgress)) (File, error)
	OpenFile(ctx context.Context, hash protocol.ID, name string) (*os.File, File, error)

	// Resolve lists the records and files here whose ids start with the
	// hex digits of prefix, so that members may type a few.
	Resolve(ctx context.Context, prefix string) ([]Match, error)
}

// Errors a Backend returns to choose the HTTP status; any other error is
// a 500 with its message.
var (
	ErrBadRequest = errors.New("bad request")
	ErrNotFound   = errors.New("not found")
	ErrForbidden  = errors.New("not allowed")
	// ErrUnavailable is for what cannot be done now but may work later,
	// such as fetching a file no connected peer holds.
	ErrUnavailable = errors.New("unavailable")
)

// Already marks err as saying that what the request asks for is so
// already: the reaction is counted, the answer given, the record hidden,
// deleted or accepted. The API answers it as err says, since the request
// did nothing; the web UI takes it as done, since a form sent again (a
// reload, the back button, a page without JavaScript) should end where
// the first one did, not on an error page.
func Already(err error) error { return alreadyError{err} }

// IsAlready reports whether err, or an error it wraps, was marked by
// Already.
func IsAlready(err error) bool { return errors.As(err, new(alreadyError)) }

type alreadyError struct{ error }

func (e alreadyError) Unwrap() error { return e.error }

// StatusOf is the HTTP status an error from a Backend calls for.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest), errors.As(err, new(*protocol.Error)):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// maxBody bounds a request body: the largest is a post of 64 KiB.
const maxBody = 1 << 20

// Server is the API's HTTP handler.
type Server struct {
	backend Backend
	token   string
	log     *slog.Logger
	mux     *http.ServeMux
	metrics http.Handler
}

// New returns the API handler. token is the secret every request must
// carry as "Authorization: Bearer <token>"; metrics serves /metrics, in
// Prometheus's format (scrapers send the token too).
func New(backend Backend, token string, log *slog.Logger, metrics http.Handler) *Server {
	s := &Server{backend: backend, token: token, log: log, mux: http.NewServeMux(), metrics: metrics}
	// The route table: every endpoint at a glance.
	routes := []struct {
		pattern string
		handler http.HandlerFunc
	}{
		{"GET /api/status", s.status},
		{"GET /api/peers", s.peers},
		{"POST /api/peers", s.connect},
		{"GET /api/devices", s.devices},
		{"DELETE /api/devices/{peer}", s.removeDevice},
		{"PUT /api/devices/this/name", s.nameDevice},
		{"GET /api/communities", s.communities},
		{"POST /api/communities", s.createCommunity},
		{"GET /api/communities/{id}/invites", byID(s, s.backend.Invites)},
		{"POST /api/communities/{id}/invites", s.invite},
		{"POST /api/join", s.join},
		{"GET /api/communities/{id}/posts", s.threads},
		{"POST /api/communities/{id}/posts", s.post},
		{"GET /api/posts/{id}", byID(s, s.backend.Thread)},
		{"POST /api/posts/{id}/replies", s.newReply},
		{"POST /api/posts/{id}/edits", s.newEdit},
		{"GET /api/records/{id}/versions", byID(s, s.backend.Versions)},
		{"POST /api/replies/{id}/accept", s.accept},
		{"POST /api/posts/{id}/unaccept", s.unaccept},
		{"GET /api/communities/{id}/notes", s.notes},
		{"POST /api/communities/{id}/notes", s.newNote},
		{"GET /api/notes/{id}", byID(s, s.backend.Note)},
		{"POST /api/notes/{id}/revisions", s.revise},
		{"GET /api/notes/{id}/diff", s.noteDiff},
		{"POST /api/records/{id}/reactions", s.react},
		{"GET /api/profile", s.profile},
		{"PUT /api/profile", s.setProfile},
		{"GET /api/communities/{id}/members", s.members},
		{"GET /api/communities/{id}/experts", s.experts},
		{"GET /api/communities/{id}/events", s.eventList},
		{"POST /api/communities/{id}/events", s.newEvent},
		{"GET /api/events/{id}", byID(s, s.backend.Event)},
		{"POST /api/events/{id}/edits", s.editEvent},
		{"POST /api/events/{id}/rsvp", s.rsvp},
		{"POST /api/communities/{id}/roles", s.setRole},
		{"POST /api/communities/{id}/invites/{invite}/revoke", s.revokeInvite},
		{"POST /api/records/{id}/delete", s.deleteRecord},
		{"POST /api/records/{id}/hide", s.hideRecord},
		{"POST /api/records/{id}/unhide", s.unhideRecord},
		{"GET /api/communities/{id}/hidden", s.hidden},
		{"GET /api/communities/{id}/unshared", s.unshared},
		{"GET /api/communities/{id}/moderation", s.moderationLog},
		{"POST /api/communities/{id}/sync", s.sync},
		{"GET /api/communities/{id}/forget", byID(s, s.backend.ForgetPreview)},
		{"DELETE /api/communities/{id}", byID(s, s.backend.Forget)},
		{"GET /api/communities/{id}/activity", byID(s, s.backend.Activity)},
		{"GET /api/search", s.search},
		{"POST /api/search/reindex", s.reindex},
		{"GET /api/communities/{id}/export", s.export},
		{"POST /api/import", s.importArchive},
		{"GET /api/feed", s.stream},
		{"GET /api/logs", s.logs},
		{"POST /api/files", s.uploadFile},
		{"GET /api/communities/{id}/files", s.files},
		{"POST /api/files/{hash}/fetch", s.fetchFile},
		{"GET /api/files/{hash}", s.downloadFile},
		{"GET /api/resolve/{prefix}", s.resolve},
		{"GET /metrics", s.metrics.ServeHTTP},
	}
	for _, r := range routes {
		s.mux.HandleFunc(r.pattern, r.handler)
	}
	return s
}

// ServeHTTP checks the Host header and the token, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !LoopbackHost(r.Host) {
		writeError(w, http.StatusForbidden, fmt.Errorf("host %q is not this machine: the API answers only on localhost", r.Host))
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		writeError(w, http.StatusUnauthorized, errors.New("missing or wrong API token: the kith command reads it from the node's home directory"))
		return
	}
	if r.URL.Path != "/api/import" && r.URL.Path != "/api/files" { // archives and files may be large; their handlers bound them
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	s.mux.ServeHTTP(w, r)
}

// LoopbackHost reports whether a Host header names this machine: the API
// and the UI answer only such requests, against DNS rebinding.
func LoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.backend.Status(r.Context())
	s.reply(w, st, err)
}

func (s *Server) peers(w http.ResponseWriter, r *http.Request) {
	ps, err := s.backend.Peers(r.Context())
	s.reply(w, ps, err)
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request) {
	ds, err := s.backend.Devices(r.Context())
	s.reply(w, ds, err)
}

func (s *Server) removeDevice(w http.ResponseWriter, r *http.Request) {
	n, err := s.backend.RemoveDevice(r.Context(), r.PathValue("peer"))
	s.reply(w, DeviceRemoved{Communities: n}, err)
}

func (s *Server) nameDevice(w http.ResponseWriter, r *http.Request) {
	var req DeviceName
	if !s.decode(w, r, &req) {
		return
	}
	n, err := s.backend.NameDevice(r.Context(), req.Name)
	s.reply(w, DeviceNamed{Communities: n}, err)
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	var req ConnectRequest
	if !s.decode(w, r, &req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	p, err := s.backend.Connect(ctx, req.Address)
	s.reply(w, p, err)
}

func (s *Server) communities(w http.ResponseWriter, r *http.Request) {
	cs, err := s.backend.Communities(r.Context())
	s.reply(w, cs, err)
}

func (s *Server) createCommunity(w http.ResponseWriter, r *http.Request) {
	var req CreateCommunityRequest
	if !s.decode(w, r, &req) {
		return
	}
	id, err := s.backend.CreateCommunity(r.Context(), req)
	s.reply(w, Created{ID: id}, err)
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req InviteRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	code, err := s.backend.Invite(r.Context(), id, req)
	s.reply(w, code, err)
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	var req JoinRequest
	if !s.decode(w, r, &req) {
		return
	}
	// No deadline: a big community's history takes minutes to come, and
	// Join bounds what could hang (reaching peers, a fetch that stalls).
	id, err := s.backend.Join(r.Context(), req.Code)
	s.reply(w, Created{ID: id}, err)
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req PostRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	pid, err := s.backend.Post(r.Context(), id, req)
	s.reply(w, Created{ID: pid}, err)
}

func (s *Server) threads(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	query := r.URL.Query()
	q := ThreadQuery{Cursor: query.Get("cursor"), Active: query.Get("order") == "active",
		Tag: query.Get("tag"), Type: query.Get("type"), Unanswered: query.Get("unanswered") == "true"}
	if o := query.Get("order"); o != "" && o != "active" && o != "newest" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("order %q: want newest or active", o))
		return
	}
	for _, f := range []struct {
		param string
		key   *protocol.PublicKey
	}{{"author", &q.Author}, {"answered_by", &q.AnsweredBy}} {
		if v := query.Get(f.param); v != "" {
			k, err := protocol.ParsePublicKey(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, fmt.Errorf("%s: %w", f.param, err))
				return
			}
			*f.key = k
		}
	}
	if q.Limit, ok = s.limit(w, r); !ok {
		return
	}
	ts, err := s.backend.Threads(r.Context(), id, q)
	s.reply(w, ts, err)
}

func (s *Server) newReply(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req ReplyRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := s.backend.Reply(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

func (s *Server) newEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req EditRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	eid, err := s.backend.Edit(r.Context(), id, req)
	s.reply(w, Created{ID: eid}, err)
}

func (s *Server) react(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	var req ReactRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	rid, err := s.backend.React(r.Context(), id, req)
	s.reply(w, Created{ID: rid}, err)
}

func (s *Server) accept(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	aid, err := s.backend.Accept(r.Context(), id)
	s.reply(w, Created{ID: aid}, err)
}

func (s *Server) unaccept(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	tid, err := s.backend.Unaccept(r.Context(), id)
	s.reply(w, Created{ID: tid}, err)
}

func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	ans, err := s.backend.SyncCommunity(r.Context(), id, r.URL.Query().Get("wait") == "true")
	s.reply(w, ans, err)
}

// byID answers a route that takes only the {id} of its path: one call of
// the backend with it, whose answer is the reply.
func byID[T any](s *Server, get func(context.Context, protocol.ID) (T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.pathID(w, r)
		if !ok {
			return
		}
		v, err := get(r.Context(), id)
		s.reply(w, v, err)
	}
}

// pathID parses the {id} path segment.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request) (protocol.ID, bool) {
	id, err := protocol.ParseID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return protocol.ID{}, false
	}
	return id, true
}

// communityPage answers a route that lists a page of a community's
// things: the community from the path, cursor and limit from the query.
func communityPage[T any](s *Server, w http.ResponseWriter, r *http.Request, list func(context.Context, protocol.ID, string, int) (T, error)) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	limit, ok := s.limit(w, r)
	if !ok {
		return
	}
	page, err := list(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	s.reply(w, page, err)
}

// limit reads the limit query parameter: 50 if absent.
func (s *Server) limit(w http.ResponseWriter, r *http.Request) (int, bool) {
	limit := 50
	if l := r.URL.Query().Get("limit"); l != "" {
		if _, err := fmt.Sscan(l, &limit); err != nil || limit < 1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("limit %q is not a positive number", l))
			return 0, false
		}
	}
	return limit, true
}

// decode reads a JSON request body, refusing unknown fields.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body) // at most maxBody
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("request body: %w", err))
		return false
	}
	// JSON is UTF-8 (RFC 8259): decoding would turn each bad byte into
	// U+FFFD, and the node sign the damaged text.
	if !utf8.Valid(body) {
		i := NotUTF8(string(body))
		writeError(w, http.StatusBadRequest, fmt.Errorf("request body is not UTF-8 (byte 0x%02x at offset %d)", body[i], i))
		return false
	}
	if i := loneSurrogate(body); i >= 0 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("request body escapes half a UTF-16 surrogate pair alone (offset %d): a character cut in two", i))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("request body: %w", err))
		return false
	}
	return true
}

// reply writes v as JSON, or err with the status its kind calls for.
func (s *Server) reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		code := StatusOf(err)
		if code == http.StatusInternalServerError {
			s.log.Error("api", "err", err)
		}
		writeError(w, code, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// loneSurrogate is the offset of a \u escape in JSON text b that names
// half of a UTF-16 surrogate pair without the other half (a client that
// cut an emoji in two), or -1: decoding makes it U+FFFD without a word,
// and the node would sign the damaged text.
func loneSurrogate(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		r, ok := escapedRune(b, i)
		if !ok {
			i++ // another escape (\" or \\): its character is no escape's start
			continue
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if lo, ok := escapedRune(b, i+6); ok && lo >= 0xDC00 && lo < 0xE000 {
				i += 11
				continue
			}
			return i
		case r >= 0xDC00 && r < 0xE000:
			return i
		}
		i += 5
	}
	return -1
}

// escapedRune reads the \uXXXX escape at b[i:], if there is one.
func escapedRune(b []byte, i int) (rune, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	r, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
	return rune(r), err == nil
}

// NotUTF8 is the offset of the first byte of s that is not UTF-8, or -1
// if s is UTF-8 text.
func NotUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return -1
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(Error{Error: err.Error()})
}

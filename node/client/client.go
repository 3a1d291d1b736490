// Package client talks to a running daemon's local API on behalf of the
// kith command. It finds the daemon through the address and token files the
// daemon writes into its home directory, and never opens the store itself.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
)

// ErrNoDaemon is returned when no daemon runs for the home directory.
var ErrNoDaemon = errors.New("no daemon is running")

// AnswerError is the daemon's answer to a request it refused: its HTTP
// status (http.StatusNotFound: what was asked for does not exist) and its
// message, which is the error's text.
type AnswerError struct {
	Status  int
	Message string
}

func (e *AnswerError) Error() string { return e.Message }

// NotFound reports whether err is the daemon saying that what was asked
// for does not exist.
func NotFound(err error) bool {
	var a *AnswerError
	return errors.As(err, &a) && a.Status == http.StatusNotFound
}

// Client calls one daemon's API.
type Client struct {
	base  string
	token string
	http  *http.Client
	dir   string
}

// New finds the daemon of a home directory.
func New(h home.Home) (*Client, error) {
	noDaemon := fmt.Errorf("%w for %s: start it with `kith daemon --home %s`", ErrNoDaemon, h.Dir, h.Dir)
	addr, err := os.ReadFile(filepath.Join(h.Dir, home.APIAddrFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, noDaemon
	}
	if err != nil {
		return nil, fmt.Errorf("read daemon address: %w", err)
	}
	token, err := os.ReadFile(filepath.Join(h.Dir, home.APITokenFile))
	if err != nil {
		return nil, fmt.Errorf("read API token: %w", err)
	}
	return &Client{
		base:  "http://" + strings.TrimSpace(string(addr)),
		token: strings.TrimSpace(string(token)),
		http:  &http.Client{},
		dir:   h.Dir,
	}, nil
}

// do sends a request and decodes the JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		if err := checkUTF8(in); err != nil {
			return err
		}
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}

// Status returns the daemon's status.
func (c *Client) Status(ctx context.Context) (st api.Status, err error) {
	return st, c.do(ctx, http.MethodGet, "/api/status", nil, &st)
}

// Peers lists the connected peers.
func (c *Client) Peers(ctx context.Context) (ps []api.Peer, err error) {
	return ps, c.do(ctx, http.MethodGet, "/api/peers", nil, &ps)
}

// Devices lists the member's nodes.
func (c *Client) Devices(ctx context.Context) (ds []api.Device, err error) {
	return ds, c.do(ctx, http.MethodGet, "/api/devices", nil, &ds)
}

// RemoveDevice stops vouching for one of the member's nodes, and returns
// in how many communities it was vouched for.
func (c *Client) RemoveDevice(ctx context.Context, peerID string) (int, error) {
	var out api.DeviceRemoved
	return out.Communities, c.do(ctx, http.MethodDelete, "/api/devices/"+url.PathEscape(peerID), nil, &out)
}

// NameDevice names this node in the member's device list, and returns in
// how many communities the name was published.
func (c *Client) NameDevice(ctx context.Context, name string) (int, error) {
	var out api.DeviceNamed
	return out.Communities, c.do(ctx, http.MethodPut, "/api/devices/this/name", api.DeviceName{Name: name}, &out)
}

// Connect dials a peer by multiaddr.
func (c *Client) Connect(ctx context.Context, addr string) (p api.Peer, err error) {
	return p, c.do(ctx, http.MethodPost, "/api/peers", api.ConnectRequest{Address: addr}, &p)
}

// CreateCommunity founds a community.
func (c *Client) CreateCommunity(ctx context.Context, req api.CreateCommunityRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/communities", req, &out)
}

// Communities lists the communities the node holds.
func (c *Client) Communities(ctx context.Context) (cs []api.Community, err error) {
	return cs, c.do(ctx, http.MethodGet, "/api/communities", nil, &cs)
}

// Invite makes an invite code.
func (c *Client) Invite(ctx context.Context, community protocol.ID, req api.InviteRequest) (code api.InviteCode, err error) {
	return code, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/invites", req, &code)
}

// Join joins a community with an invite code.
func (c *Client) Join(ctx context.Context, code string) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/join", api.JoinRequest{Code: code}, &out)
}

// Post starts a thread.
func (c *Client) Post(ctx context.Context, community protocol.ID, req api.PostRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/posts", req, &out)
}

// Threads lists a page of a community's threads.
func (c *Client) Threads(ctx context.Context, community protocol.ID, tq api.ThreadQuery) (ts api.Threads, err error) {
	q := url.Values{"limit": {fmt.Sprint(tq.Limit)}}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("cursor", tq.Cursor)
	set("tag", tq.Tag)
	set("type", tq.Type)
	if tq.Active {
		q.Set("order", "active")
	}
	if tq.Unanswered {
		q.Set("unanswered", "true")
	}
	if !tq.Author.IsZero() {
		q.Set("author", tq.Author.String())
	}
	if !tq.AnsweredBy.IsZero() {
		q.Set("answered_by", tq.AnsweredBy.String())
	}
	return ts, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/posts?"+q.Encode(), nil, &ts)
}

// Reply answers a thread, or a reply in it.
func (c *Client) Reply(ctx context.Context, to protocol.ID, req api.ReplyRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/posts/"+to.String()+"/replies", req, &out)
}

// Unaccept withdraws the accepted answer of a post's thread (or a
// reply's), so that it has none.
func (c *Client) Unaccept(ctx context.Context, id protocol.ID) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/posts/"+id.String()+"/unaccept", nil, &out)
}

// Accept marks a reply as its question's accepted answer.
func (c *Client) Accept(ctx context.Context, reply protocol.ID) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/replies/"+reply.String()+"/accept", nil, &out)
}

// Edit writes a new version of one's own post or reply.
func (c *Client) Edit(ctx context.Context, id protocol.ID, req api.EditRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/posts/"+id.String()+"/edits", req, &out)
}

// Thread returns a thread with its replies.
func (c *Client) Thread(ctx context.Context, post protocol.ID) (t api.ThreadDetail, err error) {
	return t, c.do(ctx, http.MethodGet, "/api/posts/"+post.String(), nil, &t)
}

// Resolve lists the records and files on the node whose ids start with
// the hex digits of prefix.
func (c *Client) Resolve(ctx context.Context, prefix string) ([]api.Match, error) {
	var ans api.ResolveAnswer
	err := c.do(ctx, http.MethodGet, "/api/resolve/"+url.PathEscape(prefix), nil, &ans)
	return ans.Matches, err
}

// Sync starts catch-up sync of a community with its peers; with wait it
// returns when the sessions end, with what they did.
func (c *Client) Sync(ctx context.Context, community protocol.ID, wait bool) (ans api.SyncAnswer, err error) {
	return ans, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/sync?wait="+fmt.Sprint(wait), nil, &ans)
}

// Versions lists a post's, reply's or event's versions, oldest first.
func (c *Client) Versions(ctx context.Context, id protocol.ID) (v api.Versions, err error) {
	return v, c.do(ctx, http.MethodGet, "/api/records/"+id.String()+"/versions", nil, &v)
}

// ForgetPreview says what forgetting a community would delete.
func (c *Client) ForgetPreview(ctx context.Context, community protocol.ID) (p api.ForgetPreview, err error) {
	return p, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/forget", nil, &p)
}

// Forget deletes a community from the node, which stops replicating it.
func (c *Client) Forget(ctx context.Context, community protocol.ID) (ans api.ForgetAnswer, err error) {
	return ans, c.do(ctx, http.MethodDelete, "/api/communities/"+community.String(), nil, &ans)
}

// LoginLink asks the daemon for a fresh one-time link that logs a browser
// in to its web UI.
func (c *Client) LoginLink(ctx context.Context) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	return out.URL, c.do(ctx, http.MethodPost, "/ui/login-links", nil, &out)
}

// Search runs a full-text search.
func (c *Client) Search(ctx context.Context, req api.SearchRequest) (res api.SearchResults, err error) {
	q := url.Values{"q": {req.Query}}
	for k, v := range map[string]string{"community": req.Community, "kind": req.Kind, "tag": req.Tag, "author": req.Author,
		"from": req.From, "to": req.To, "answered": req.Answered} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if req.Limit != 0 {
		q.Set("limit", fmt.Sprint(req.Limit))
	}
	if req.Offset != 0 {
		q.Set("offset", fmt.Sprint(req.Offset))
	}
	return res, c.do(ctx, http.MethodGet, "/api/search?"+q.Encode(), nil, &res)
}

// Reindex drops the daemon's search index and has it built anew.
func (c *Client) Reindex(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/api/search/reindex", nil, nil)
}

// Export writes a community's archive to w.
func (c *Client) Export(ctx context.Context, community protocol.ID, w io.Writer) error {
	if _, err := c.download(ctx, "/api/communities/"+community.String()+"/export", w); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// open sends a request without a body and returns the answer, whose body
// the caller reads (a stream, a file) and closes.
func (c *Client) open(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	return c.send(req)
}

// download copies the body of GET path to w.
func (c *Client) download(ctx context.Context, path string, w io.Writer) (int64, error) {
	resp, err := c.open(ctx, http.MethodGet, path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}

// Import sends an archive to the daemon.
func (c *Client) Import(ctx context.Context, archive io.Reader) (res api.ImportResult, err error) {
	return res, c.upload(ctx, "/api/import", archive, &res)
}

// upload sends bytes (an archive, a file) and decodes the JSON answer.
func (c *Client) upload(ctx context.Context, path string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// send sends a request with the token and turns an error answer into an
// error; the caller reads and closes a successful answer's body.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	var op *net.OpError
	switch {
	case err == nil:
	case errors.As(err, &op) && op.Op == "dial":
		// Nothing listens where the address file says.
		return nil, fmt.Errorf("%w for %s (its address file is stale?): %v; start it with `kith daemon --home %s`", ErrNoDaemon, c.dir, err, c.dir)
	case req.Context().Err() != nil:
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, req.Context().Err())
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		// The daemon was reached, then went before it answered.
		return nil, fmt.Errorf("%s %s: the daemon closed the connection before answering: did it stop? (its output, or `kith logs` once it runs again, says why): %w",
			req.Method, req.URL.Path, err)
	default:
		// The daemon was reached, or the request could not be sent
		// (its body failed to read): not a daemon that is gone.
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		// A daemon writes a fresh token at every start, then its address:
		// one that refuses the token this home holds is not this home's
		// daemon, but one that took the port of a daemon that is gone.
		resp.Body.Close()
		return nil, fmt.Errorf("%w for %s: the daemon at %s refused this home's API token, so it is another home's daemon "+
			"(this home's address file is stale); start this one with `kith daemon --home %s`", ErrNoDaemon, c.dir, req.URL.Host, c.dir)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var e api.Error
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return nil, &AnswerError{Status: resp.StatusCode, Message: e.Error}
		}
		return nil, &AnswerError{Status: resp.StatusCode, Message: "daemon answered " + resp.Status}
	}
	return resp, nil
}

// pageQuery is the query of a page of a list: its limit, and the cursor
// of the page (none for the first).
func pageQuery(cursor string, limit int) url.Values {
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

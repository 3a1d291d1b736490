package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// NewNote writes a note (or promotes a thread to one).
func (c *Client) NewNote(ctx context.Context, community protocol.ID, req api.NoteRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/notes", req, &out)
}

// Notes lists a page of a community's notes, most recently updated first.
func (c *Client) Notes(ctx context.Context, community protocol.ID, cursor string, limit int) (ns api.Notes, err error) {
	q := pageQuery(cursor, limit)
	return ns, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/notes?"+q.Encode(), nil, &ns)
}

// Note returns a note, by the id of any of its revisions.
func (c *Client) Note(ctx context.Context, id protocol.ID) (n api.NoteDetail, err error) {
	return n, c.do(ctx, http.MethodGet, "/api/notes/"+id.String(), nil, &n)
}

// Revise writes a new revision of a note.
func (c *Client) Revise(ctx context.Context, id protocol.ID, req api.RevisionRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/notes/"+id.String()+"/revisions", req, &out)
}

// NoteDiff compares two revisions of a note.
func (c *Client) NoteDiff(ctx context.Context, id, a, b protocol.ID) (d api.NoteDiff, err error) {
	q := url.Values{"a": {a.String()}, "b": {b.String()}}
	return d, c.do(ctx, http.MethodGet, "/api/notes/"+id.String()+"/diff?"+q.Encode(), nil, &d)
}

// React reacts to a post, reply or note.
func (c *Client) React(ctx context.Context, target protocol.ID, reaction string) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/records/"+target.String()+"/reactions", api.ReactRequest{Reaction: reaction}, &out)
}

package client

import (
	"context"
	"net/http"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// SetRole changes a member's role in a community.
func (c *Client) SetRole(ctx context.Context, community protocol.ID, req api.RoleRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/roles", req, &out)
}

// Delete deletes a record (its author or a moderator).
func (c *Client) Delete(ctx context.Context, id protocol.ID, req api.ModerationRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/records/"+id.String()+"/delete", req, &out)
}

// Hide hides a record from view (a moderator).
func (c *Client) Hide(ctx context.Context, id protocol.ID, req api.ModerationRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/records/"+id.String()+"/hide", req, &out)
}

// Invites lists a community's invites, newest first.
func (c *Client) Invites(ctx context.Context, community protocol.ID) (list []api.InviteInfo, err error) {
	return list, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/invites", nil, &list)
}

// RevokeInvite withdraws an invite of a community.
func (c *Client) RevokeInvite(ctx context.Context, community, invite protocol.ID) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/invites/"+invite.String()+"/revoke", nil, &out)
}

// Unhide shows a record a moderator hid again (moderators only).
func (c *Client) Unhide(ctx context.Context, id protocol.ID, req api.ModerationRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/records/"+id.String()+"/unhide", req, &out)
}

// Hidden lists a page of the records moderators hid in a community, and
// the hides, oldest first.
func (c *Client) Hidden(ctx context.Context, community protocol.ID, cursor string, limit int) (list api.HiddenRecords, err error) {
	q := pageQuery(cursor, limit)
	return list, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/hidden?"+q.Encode(), nil, &list)
}

// Unshared lists a page of what the member wrote in a community after a
// moderator removed them, oldest first.
func (c *Client) Unshared(ctx context.Context, community protocol.ID, cursor string, limit int) (list api.UnsharedRecords, err error) {
	q := pageQuery(cursor, limit)
	return list, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/unshared?"+q.Encode(), nil, &list)
}

// ModerationLog lists a page of what a community's moderators did,
// newest first.
func (c *Client) ModerationLog(ctx context.Context, community protocol.ID, cursor string, limit int) (log api.ModerationLog, err error) {
	q := pageQuery(cursor, limit)
	return log, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/moderation?"+q.Encode(), nil, &log)
}

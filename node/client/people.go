package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// SetProfile publishes the member's profile in every community.
func (c *Client) SetProfile(ctx context.Context, req api.ProfileRequest) (ans api.ProfileAnswer, err error) {
	return ans, c.do(ctx, http.MethodPut, "/api/profile", req, &ans)
}

// Profile returns the member's current profile.
func (c *Client) Profile(ctx context.Context) (p api.ProfileRequest, err error) {
	return p, c.do(ctx, http.MethodGet, "/api/profile", nil, &p)
}

// Members lists a page of a community's members.
func (c *Client) Members(ctx context.Context, community protocol.ID, cursor string, limit int) (ms api.Members, err error) {
	q := pageQuery(cursor, limit)
	return ms, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/members?"+q.Encode(), nil, &ms)
}

// Experts ranks who knows about a topic in a community.
func (c *Client) Experts(ctx context.Context, community protocol.ID, tag string) (es []api.Expert, err error) {
	return es, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/experts?tag="+url.QueryEscape(tag), nil, &es)
}

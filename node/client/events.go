package client

import (
	"context"
	"net/http"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// NewEvent announces a meeting.
func (c *Client) NewEvent(ctx context.Context, community protocol.ID, req api.EventRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/communities/"+community.String()+"/events", req, &out)
}

// EditEvent changes one's own event.
func (c *Client) EditEvent(ctx context.Context, id protocol.ID, req api.EventRequest) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/events/"+id.String()+"/edits", req, &out)
}

// Event returns one event.
func (c *Client) Event(ctx context.Context, id protocol.ID) (ev api.Event, err error) {
	return ev, c.do(ctx, http.MethodGet, "/api/events/"+id.String(), nil, &ev)
}

// Events lists a page of a community's upcoming events, soonest first.
func (c *Client) Events(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Events, error) {
	return c.events(ctx, community, false, cursor, limit)
}

// PastEvents lists a page of a community's events that are over, the
// latest first.
func (c *Client) PastEvents(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Events, error) {
	return c.events(ctx, community, true, cursor, limit)
}

func (c *Client) events(ctx context.Context, community protocol.ID, past bool, cursor string, limit int) (es api.Events, err error) {
	q := pageQuery(cursor, limit)
	if past {
		q.Set("past", "true")
	}
	return es, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/events?"+q.Encode(), nil, &es)
}

// RSVP answers an event.
func (c *Client) RSVP(ctx context.Context, event protocol.ID, answer string) (protocol.ID, error) {
	var out api.Created
	return out.ID, c.do(ctx, http.MethodPost, "/api/events/"+event.String()+"/rsvp", api.RSVPRequest{Answer: answer}, &out)
}

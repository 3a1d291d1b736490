package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kith-network/kith/node/api"
)

// maxEventLine bounds one line of the feed.
const maxEventLine = 1 << 20

// Feed follows the daemon's feed, calling fn for each event in
// order, until ctx ends, fn returns an error, or the daemon stops.
func (c *Client) Feed(ctx context.Context, fn func(api.FeedItem) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/feed", nil)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxEventLine)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue // event names, comments, blank separators
		}
		var ev api.FeedItem
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return fmt.Errorf("feed: %w", err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	return nil
}

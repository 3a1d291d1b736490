package client

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// maxLogLine bounds one line of the log.
const maxLogLine = 1 << 20

// Logs reads the daemon's recent log, up to lines lines, calling fn with
// each (one JSON object). With follow it goes on with each line as the
// daemon logs it, until ctx ends, fn returns an error or the daemon stops.
func (c *Client) Logs(ctx context.Context, lines int, follow bool, fn func(line []byte) error) error {
	q := url.Values{"lines": {strconv.Itoa(lines)}}
	if follow {
		q.Set("follow", "1")
	}
	resp, err := c.open(ctx, http.MethodGet, "/api/logs?"+q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxLogLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue // the daemon's keep-alive
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	return nil
}

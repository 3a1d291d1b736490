package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// UploadFile sends a file to the daemon, to attach to a record made next.
func (c *Client) UploadFile(ctx context.Context, r io.Reader, name, mediaType string) (f api.File, err error) {
	q := url.Values{"name": {name}, "type": {mediaType}}
	return f, c.upload(ctx, "/api/files?"+q.Encode(), r, &f)
}

// Files lists a page of a community's files.
func (c *Client) Files(ctx context.Context, community protocol.ID, cursor string, limit int) (fs api.Files, err error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return fs, c.do(ctx, http.MethodGet, "/api/communities/"+community.String()+"/files?"+q.Encode(), nil, &fs)
}

// FetchFile has the daemon fetch a file from its peers now, calling
// progress with each report; it returns when the file is here.
func (c *Client) FetchFile(ctx context.Context, h protocol.ID, progress func(api.FileProgress)) error {
	resp, err := c.open(ctx, http.MethodPost, "/api/files/"+h.String()+"/fetch")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var p api.FileProgress
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		if p.Error != "" {
			return errors.New(p.Error)
		}
		if progress != nil {
			progress(p)
		}
		if p.Done {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	return errors.New("fetch: the daemon stopped answering before the file was here")
}

// DownloadFile copies a file that is on the daemon's node to w.
func (c *Client) DownloadFile(ctx context.Context, h protocol.ID, w io.Writer) (int64, error) {
	n, err := c.download(ctx, "/api/files/"+h.String(), w)
	if err != nil {
		return n, fmt.Errorf("download: %w", err)
	}
	return n, nil
}

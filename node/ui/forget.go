package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kith-network/kith/node/api"
)

// Forgetting a community on this node (the about page links to it): a
// page that says what goes and what may exist only here, with a copy to
// download first, then the form that does it.

type forgetPage struct {
	Community api.Community
	Preview   api.ForgetPreview
}

func (f forgetPage) uncached() {} // the counts change with every record

func (s *Server) forgetForm(r *http.Request) (string, any, error) {
	c, err := s.pathCommunity(r)
	if err != nil {
		return "", nil, err
	}
	p, err := s.backend.ForgetPreview(r.Context(), c.ID)
	if err != nil {
		return "", nil, err
	}
	return "forget", forgetPage{Community: c, Preview: p}, nil
}

// forget deletes the community from this node and goes home, which says
// how many records went.
func (s *Server) forget(r *http.Request) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	ans, err := s.backend.Forget(r.Context(), id)
	if err != nil {
		return "", err
	}
	next := "/?forgot=" + strconv.Itoa(ans.Records)
	if ans.Alone {
		next += "&alone=1"
	}
	return next, nil
}

// forgotMessage is what the home page says after a forget, from its
// query; "" if the query says none.
func forgotMessage(q url.Values) string {
	n, err := strconv.Atoi(q.Get("forgot"))
	if err != nil || n < 0 {
		return ""
	}
	records := "records"
	if n == 1 {
		records = "record"
	}
	back := "You are still a member: an invite code brings it back."
	if q.Get("alone") != "" {
		back = "You were its only member: only a downloaded copy, imported with kith import, brings it back."
	}
	return fmt.Sprintf("Done: the community is deleted from this node (%d %s). %s", n, records, back)
}

// exportArchive downloads a community's archive (what `kith export`
// writes), for a copy kept before forgetting it or for another node.
func (s *Server) exportArchive(w http.ResponseWriter, r *http.Request) {
	c, err := s.pathCommunity(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.kith"`, fileSlug(c.Name, c.ID.String()[:8])))
	w.Header().Set("Cache-Control", "no-store")
	if err := s.backend.Export(r.Context(), c.ID, w); err != nil {
		s.log.Warn("export for a download from the web UI failed", "community", c.ID, "err", err)
		// Cut the download: the browser reports a failed one rather than
		// keep a file that ends part way.
		panic(http.ErrAbortHandler)
	}
}

// fileSlug makes a name safe as a file name in a header: ASCII letters
// and digits kept, runs of anything else one dash; fallback if nothing
// is left.
func fileSlug(name, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return fallback
	}
	return out
}

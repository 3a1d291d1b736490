package store

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kith-network/kith/protocol"
)

// TestPrefixed: records and files are found by the first digits of their
// ids, even or odd in number, in either case; a prefix that fits several
// gives them all, in order, up to the limit. Records not shown (a
// stranger's, set aside; a deleted one) are not found, nor their files.
func TestPrefixed(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	w, g := newWorld(t, protocol.JoinOpen)
	h := protocol.NewFileHasher()
	h.Write([]byte("slides"))
	file, _ := h.Attachment("slides.pdf", "application/pdf")
	posts := []*protocol.Record{w.join(alice)}
	for _, title := range []string{"One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"} {
		posts = append(posts, w.post(alice, title))
	}
	withFile := w.rec(alice, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Deck", Files: []protocol.Attachment{file}})
	ingest(t, s, append([]*protocol.Record{g, withFile}, posts...)...)

	all := []protocol.ID{g.ID(), withFile.ID()}
	for _, p := range posts {
		all = append(all, p.ID())
	}
	for _, id := range all {
		hexID := id.String()
		for _, n := range []int{4, 7, 64} {
			records, _, err := s.Prefixed(ctx, hexID[:n], 50)
			if err != nil || !slices.Contains(records, id) {
				t.Fatalf("prefix %s of %s: %v, %v", hexID[:n], id, records, err)
			}
			for _, r := range records {
				if r.String()[:n] != hexID[:n] {
					t.Errorf("prefix %s matched %s", hexID[:n], r)
				}
			}
		}
	}
	// One hex digit fits about a sixteenth of them; none fits all.
	for _, d := range "0123456789abcdef" {
		records, _, err := s.Prefixed(ctx, string(d), 50)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, id := range all {
			if id.String()[0] == byte(d) {
				want++
			}
		}
		if len(records) != want || !slices.IsSortedFunc(records, protocol.ID.Compare) {
			t.Errorf("prefix %c: %d records, want %d in order", d, len(records), want)
		}
	}
	if records, _, _ := s.Prefixed(ctx, "", 3); len(records) != 3 {
		t.Errorf("the limit: %d records", len(records))
	}
	h2 := protocol.NewFileHasher()
	h2.Write([]byte("a stranger's file"))
	theirs, _ := h2.Attachment("theirs.pdf", "application/pdf")
	stranger := w.rec(bob, protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: "Not admitted", Files: []protocol.Attachment{theirs}})
	gone := w.post(alice, "Deleted")
	ingest(t, s, stranger, gone, w.rec(alice, protocol.Refs{Target: gone.ID()}, &protocol.Tombstone{}))
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []protocol.ID{stranger.ID(), gone.ID(), protocol.ID(theirs.Hash)} {
		if records, files, err := s.Prefixed(ctx, id.String(), 10); err != nil || len(records)+len(files) != 0 {
			t.Errorf("%s, not shown, found: %v %v %v", id, records, files, err)
		}
	}
	fileHex := protocol.ID(file.Hash).String()
	if _, files, err := s.Prefixed(ctx, fileHex[:5], 10); err != nil || len(files) != 1 || files[0] != protocol.ID(file.Hash) {
		t.Errorf("file by prefix: %v, %v", files, err)
	}
	upper := []byte(g.ID().String()[:6])
	for i, c := range upper {
		if c >= 'a' {
			upper[i] = c - 'a' + 'A'
		}
	}
	if records, _, _ := s.Prefixed(ctx, string(upper), 10); !slices.Contains(records, g.ID()) {
		t.Errorf("upper case prefix %s: %v", upper, records)
	}
	for _, bad := range []string{"xyz", "12 4", g.ID().String() + "0"} {
		if _, _, err := s.Prefixed(ctx, bad, 10); !errors.Is(err, ErrBadPrefix) {
			t.Errorf("prefix %q: %v", bad, err)
		}
	}
}

// FuzzParsePrefix: any string is either refused or read back as the
// digits it holds, and never panics.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"", "a", "ab", "abc", "ABCD", "zz", "é", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		head, nibble, err := parsePrefix(s)
		if err != nil {
			return
		}
		back := hex.EncodeToString(head)
		if nibble >= 0 {
			back += string("0123456789abcdef"[nibble])
		}
		if back != strings.ToLower(s) {
			t.Errorf("%q read as %q", s, back)
		}
	})
}

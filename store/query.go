package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// Page is one page of a query. Next is the cursor of the following page,
// empty on the last one; pass it back unchanged.
type Page[T any] struct {
	Items []T
	Next  string
}

// EachPage calls fn for every item of a paginated query, fetching pages
// of MaxLimit until the last, or until fn returns an error, which it
// returns.
func EachPage[T any](fetch func(cursor string, limit int) (Page[T], error), fn func(T) error) error {
	for cursor := ""; ; {
		page, err := fetch(cursor, MaxLimit)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if cursor = page.Next; cursor == "" {
			return nil
		}
	}
}

// Entry is a stored record with what the store knows about it.
type Entry struct {
	Record *protocol.Record
	Meta   Meta
}

// MaxLimit caps a page, whatever the caller asks for.
const MaxLimit = 500

// ErrBadCursor is returned for a cursor this query did not produce.
var ErrBadCursor = errors.New("invalid cursor")

// read runs fn on a read transaction after refreshing dirty views, so
// every query sees the effects of every ingest that returned before it.
func (s *Store) read(ctx context.Context, fn func(txn *badger.Txn) error) error {
	if err := s.Flush(ctx); err != nil {
		return err
	}
	return s.db.View(fn)
}

// paginate walks keys under prefix, starting after the key named by
// cursor, turning each into an item with fn (which may skip it). It stops
// at limit items and returns the cursor of the next page only if another
// item follows, so the last page has an empty Next.
func paginate[T any](txn *badger.Txn, prefix []byte, cursor string, limit int, fn func(k, v []byte) (T, bool, error)) (Page[T], error) {
	return walkPage(txn, prefix, cursor, limit, false, fn)
}

// paginateDesc is paginate walking the keys from the last down.
func paginateDesc[T any](txn *badger.Txn, prefix []byte, cursor string, limit int, fn func(k, v []byte) (T, bool, error)) (Page[T], error) {
	return walkPage(txn, prefix, cursor, limit, true, fn)
}

func walkPage[T any](txn *badger.Txn, prefix []byte, cursor string, limit int, reverse bool, fn func(k, v []byte) (T, bool, error)) (Page[T], error) {
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	var after []byte
	start := prefix
	if reverse {
		// Past every key under prefix: keys are longer than the prefix,
		// and none of ours starts with more than a few 0xff bytes.
		start = append(slices.Clip(prefix), bytes.Repeat([]byte{0xff}, 64)...)
	}
	if cursor != "" {
		var err error
		after, err = base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(after) == 0 {
			return Page[T]{}, ErrBadCursor
		}
		after = append(slices.Clip(prefix), after...)
		start = after
		if !reverse {
			// Seek just past the last key of the previous page.
			start = append(after, 0)
		}
	}
	var page Page[T]
	var last []byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false, Reverse: reverse})
	defer it.Close()
	for it.Seek(start); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		k := item.KeyCopy(nil)
		if reverse && after != nil && bytes.Equal(k, after) {
			continue // the last key of the previous page
		}
		var v T
		var ok bool
		err := item.Value(func(val []byte) error {
			var err error
			v, ok, err = fn(k, val)
			return err
		})
		if err != nil {
			return Page[T]{}, err
		}
		if !ok {
			continue
		}
		if len(page.Items) == limit {
			page.Next = base64.RawURLEncoding.EncodeToString(last[len(prefix):])
			break
		}
		page.Items = append(page.Items, v)
		last = k
	}
	return page, nil
}

// Get returns a record and its meta.
func (s *Store) Get(ctx context.Context, id protocol.ID) (Entry, error) {
	var e Entry
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		e, err = getEntry(txn, id)
		return err
	})
	return e, err
}

func getEntry(txn *badger.Txn, id protocol.ID) (Entry, error) { return getStored(txn, id) }

// Communities lists the communities the store holds records of.
func (s *Store) Communities() []protocol.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]protocol.ID, 0, len(s.communities))
	for id := range s.communities {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, protocol.ID.Compare)
	return ids
}

// ThreadOrder is how Threads sorts.
type ThreadOrder uint8

// Thread orders.
const (
	Newest             ThreadOrder = iota // by the original post's time, newest first
	MostRecentActivity                    // by the newest reply or edit, most recent first
)

// ThreadFilter narrows Threads; the zero value lets every thread through.
type ThreadFilter struct {
	Tag        string             // only threads with this tag (normalised)
	Type       protocol.PostType  // only threads of this type; 0 for any
	Unanswered bool               // only questions with no accepted answer
	Author     protocol.PublicKey // only threads this member started; zero for any
	// AnsweredBy keeps only threads whose accepted answer this member
	// wrote; zero for any. It reads the accepted reply of each thread
	// that has one (the view holds its id, not its author).
	AnsweredBy protocol.PublicKey
}

func (f ThreadFilter) keep(v ThreadView) bool {
	switch {
	case f.Type != 0 && v.Type != f.Type:
		return false
	case f.Unanswered && (v.Type != protocol.PostQuestion || !v.Accepted.IsZero()):
		return false
	case f.Tag != "" && !slices.Contains(v.Tags, f.Tag):
		return false
	case !f.Author.IsZero() && v.Author != f.Author:
		return false
	case !f.AnsweredBy.IsZero() && v.Accepted.IsZero():
		return false
	}
	return true
}

// answeredBy reports whether v's accepted reply (v passed keep) was
// written by f.AnsweredBy, reading that reply when the filter asks.
func (f ThreadFilter) answeredBy(txn *badger.Txn, v ThreadView) (bool, error) {
	if f.AnsweredBy.IsZero() {
		return true, nil
	}
	e, err := getStored(txn, v.Accepted)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Record.Header.Author == f.AnsweredBy, nil
}

// Threads lists a community's live threads that pass filter. A filter
// walks the list until it has a page: a narrow one over a long list costs
// a scan of views, not of records (but for AnsweredBy, which also reads
// the accepted reply of each answered thread it passes).
func (s *Store) Threads(ctx context.Context, community protocol.ID, order ThreadOrder, filter ThreadFilter, cursor string, limit int) (Page[ThreadView], error) {
	table := byte(tThreads)
	if order == MostRecentActivity {
		table = tActive
	}
	var page Page[ThreadView]
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		page, err = paginate(txn, key(table, community[:]), cursor, limit, func(k, summary []byte) (ThreadView, bool, error) {
			if filter.rejectsSummary(summary) {
				return ThreadView{}, false, nil
			}
			v, err := loadView[ThreadView](txn, community, protocol.Object{Type: protocol.ObjectThread, ID: lastID(k)})
			if err != nil || !filter.keep(v) {
				return v, false, err
			}
			ok, err := filter.answeredBy(txn, v)
			return v, ok, err
		})
		return err
	})
	return page, err
}

// Notes lists a community's live notes, most recently updated first.
func (s *Store) Notes(ctx context.Context, community protocol.ID, cursor string, limit int) (Page[NoteView], error) {
	return listViews[NoteView](ctx, s, key(tNotes, community[:]), community, protocol.ObjectNote, cursor, limit)
}

// UpcomingEvents lists a community's live events that have not ended by
// now (unix ms), soonest first.
func (s *Store) UpcomingEvents(ctx context.Context, community protocol.ID, now int64, cursor string, limit int) (Page[EventView], error) {
	var page Page[EventView]
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		page, err = paginate(txn, key(tEvents, community[:]), cursor, limit, func(k, _ []byte) (EventView, bool, error) {
			v, err := loadView[EventView](txn, community, protocol.Object{Type: protocol.ObjectEvent, ID: lastID(k)})
			return v, err == nil && v.Upcoming(now), err
		})
		return err
	})
	return page, err
}

// PastEvents lists a community's live events that have ended by now
// (unix ms), the latest to start first.
func (s *Store) PastEvents(ctx context.Context, community protocol.ID, now int64, cursor string, limit int) (Page[EventView], error) {
	var page Page[EventView]
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		page, err = paginateDesc(txn, key(tEvents, community[:]), cursor, limit, func(k, _ []byte) (EventView, bool, error) {
			v, err := loadView[EventView](txn, community, protocol.Object{Type: protocol.ObjectEvent, ID: lastID(k)})
			return v, err == nil && !v.Upcoming(now), err
		})
		return err
	})
	return page, err
}

func listViews[V any](ctx context.Context, s *Store, prefix []byte, community protocol.ID, typ protocol.ObjectType, cursor string, limit int) (Page[V], error) {
	var page Page[V]
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		page, err = paginate(txn, prefix, cursor, limit, func(k, _ []byte) (V, bool, error) {
			v, err := loadView[V](txn, community, protocol.Object{Type: typ, ID: lastID(k)})
			return v, err == nil, err
		})
		return err
	})
	return page, err
}

func loadView[V any](txn *badger.Txn, community protocol.ID, obj protocol.Object) (V, error) {
	var v V
	data, err := getValue(txn, objectKey(tView, community, obj))
	if err != nil {
		return v, fmt.Errorf("view of %s %s: %w", obj.Type, obj.ID, err)
	}
	return v, decodeView(data, &v)
}

// ThreadDetail is a thread with a page of its replies.
type ThreadDetail struct {
	View     ThreadView
	Post     Entry   // the version shown
	Replies  []Entry // live replies in order, as first written
	Accepted *Entry  // the accepted reply, if any, as first written
	// Versions maps each edited reply above to its version shown.
	Versions map[protocol.ID]Entry
	Next     string // cursor for more replies
}

// Thread returns a live thread and a page of its replies.
func (s *Store) Thread(ctx context.Context, community, post protocol.ID, cursor string, limit int) (ThreadDetail, error) {
	var d ThreadDetail
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		d, err = readThread(txn, community, post, func(obj protocol.Object) ([]Entry, string, error) {
			page, err := paginate(txn, objectKey(tObject, community, obj), cursor, limit, func(_, v []byte) (Entry, bool, error) {
				return liveOfKind(v, protocol.KindReply)
			})
			return page.Items, page.Next, err
		})
		return err
	})
	return d, err
}

// ThreadReplies returns a live thread as Thread does, with those of ids
// that are its live replies (as first written, in the order of ids)
// instead of a page: what changed when a few replies came, without
// reading a long thread whole.
func (s *Store) ThreadReplies(ctx context.Context, community, post protocol.ID, ids []protocol.ID) (ThreadDetail, error) {
	var d ThreadDetail
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		d, err = readThread(txn, community, post, func(obj protocol.Object) ([]Entry, string, error) {
			var out []Entry
			for _, id := range ids {
				e, err := getEntry(txn, id)
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, "", err
				}
				h := e.Record.Header
				if e.Meta.Object == obj && h.Kind == protocol.KindReply && h.Target.IsZero() && e.Meta.Live() {
					out = append(out, e)
				}
			}
			return out, "", nil
		})
		return err
	})
	return d, err
}

// readThread reads a live thread's view, post and accepted answer, the
// replies that replies gives, and the versions shown of those replies.
func readThread(txn *badger.Txn, community, post protocol.ID, replies func(protocol.Object) ([]Entry, string, error)) (ThreadDetail, error) {
	var d ThreadDetail
	obj := protocol.Object{Type: protocol.ObjectThread, ID: post}
	v, err := loadView[ThreadView](txn, community, obj)
	if err != nil {
		return d, fmt.Errorf("thread %s: %w", post, ErrNotFound)
	}
	d.View = v
	if d.Post, err = getEntry(txn, v.Current); err != nil {
		return d, err
	}
	if !v.Accepted.IsZero() {
		a, err := getEntry(txn, v.Accepted)
		if err != nil {
			return d, err
		}
		d.Accepted = &a
	}
	if d.Replies, d.Next, err = replies(obj); err != nil {
		return d, err
	}
	shown := slices.Clone(d.Replies)
	if d.Accepted != nil {
		shown = append(shown, *d.Accepted)
	}
	for _, r := range shown {
		cur, ok := v.Edited[r.Record.ID()]
		if !ok {
			continue
		}
		e, err := getEntry(txn, cur)
		if err != nil {
			return d, err
		}
		if d.Versions == nil {
			d.Versions = make(map[protocol.ID]Entry)
		}
		d.Versions[r.Record.ID()] = e
	}
	return d, nil
}

// ReactionsOf returns the reactions that author gave targets and that
// stand (not undone, hidden or set aside), by target, each with the
// record that says it: the node asks before writing one (the same
// reaction twice counts once), pages show the member's own as pressed,
// and deleting that record takes it back. It reads the reactions index,
// so a page costs what it shows, not what its thread holds.
func (s *Store) ReactionsOf(ctx context.Context, community protocol.ID, author protocol.PublicKey, targets []protocol.ID) (map[protocol.ID]map[protocol.Reaction]protocol.ID, error) {
	out := make(map[protocol.ID]map[protocol.Reaction]protocol.ID)
	sorted := slices.Clone(targets)
	slices.SortFunc(sorted, func(a, b protocol.ID) int { return bytes.Compare(a[:], b[:]) })
	sorted = slices.Compact(sorted)
	err := s.read(ctx, func(txn *badger.Txn) error {
		base := key(tReacts, community[:], author[:])
		it := txn.NewIterator(badger.IteratorOptions{Prefix: base, PrefetchValues: false})
		defer it.Close()
		it.Seek(base)
		for _, target := range sorted {
			prefix := reactsKey(community, author, target)
			// The targets are in key order: step to this one's entries, by
			// a few Nexts when they are near, as they are when the member
			// reacted to much of the thread (a Seek costs about as much as
			// a dozen), else by a Seek.
			for i := 0; it.Valid() && bytes.Compare(it.Item().Key(), prefix) < 0; i++ {
				if i == 8 {
					it.Seek(prefix)
					break
				}
				it.Next()
			}
			for ; it.ValidForPrefix(prefix); it.Next() {
				e, err := getStored(txn, lastID(it.Item().Key()))
				if err != nil {
					return err
				}
				react, ok := e.Record.Content().(*protocol.React)
				if !ok || !e.Meta.Live() {
					continue
				}
				if out[target] == nil {
					out[target] = make(map[protocol.Reaction]protocol.ID)
				}
				if _, dup := out[target][react.Reaction]; !dup {
					out[target][react.Reaction] = e.Record.ID()
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reactions of %s: %w", author, err)
	}
	return out, nil
}

// liveOfKind decodes a record's home and says whether it is a live
// original (not an edit) of kind.
func liveOfKind(home []byte, kind protocol.Kind) (Entry, bool, error) {
	e, err := decodeHome(home)
	if err != nil {
		return Entry{}, false, err
	}
	h := e.Record.Header
	return e, e.Meta.Live() && h.Kind == kind && h.Target.IsZero(), nil
}

// NoteDetail is a note with its heads and full history.
type NoteDetail struct {
	View    NoteView
	Heads   []Entry // current first; more than one means concurrent edits
	History []Entry // every live revision in order, with its author and time
}

// Note returns a live note with its heads and revision history.
func (s *Store) Note(ctx context.Context, community, root protocol.ID) (NoteDetail, error) {
	var d NoteDetail
	obj := protocol.Object{Type: protocol.ObjectNote, ID: root}
	err := s.read(ctx, func(txn *badger.Txn) error {
		v, err := loadView[NoteView](txn, community, obj)
		if err != nil {
			return fmt.Errorf("note %s: %w", root, ErrNotFound)
		}
		d.View = v
		for _, h := range v.Heads {
			e, err := getEntry(txn, h)
			if err != nil {
				return err
			}
			d.Heads = append(d.Heads, e)
		}
		return scan(txn, objectKey(tObject, community, obj), func(_, v []byte) error {
			e, err := decodeHome(v)
			if err == nil && e.Meta.Live() && e.Record.Header.Kind == protocol.KindNote {
				d.History = append(d.History, e)
			}
			return err
		})
	})
	return d, err
}

// Members lists a community's members (founder first, then by key) with
// their standing and profile.
func (s *Store) Members(ctx context.Context, community protocol.ID, cursor string, limit int) (Page[MemberView], error) {
	if err := s.Flush(ctx); err != nil {
		return Page[MemberView]{}, err
	}
	s.mu.Lock()
	c := s.communities[community]
	var members []protocol.Member
	if c != nil {
		members = c.members.Members()
	}
	s.mu.Unlock()
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	start := 0
	if cursor != "" {
		after, err := protocol.ParsePublicKey(cursor)
		if err != nil {
			return Page[MemberView]{}, ErrBadCursor
		}
		start = slices.IndexFunc(members, func(m protocol.Member) bool { return m.Key == after }) + 1
		if start == 0 {
			return Page[MemberView]{}, ErrBadCursor
		}
	}
	var page Page[MemberView]
	err := s.db.View(func(txn *badger.Txn) error {
		for _, m := range members[start:] {
			if len(page.Items) == limit {
				page.Next = page.Items[len(page.Items)-1].Key.String()
				break
			}
			v, err := loadView[MemberView](txn, community, protocol.Object{Type: protocol.ObjectMember, ID: protocol.ID(m.Key)})
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			v.Key, v.Standing = m.Key, m.Standing
			page.Items = append(page.Items, v)
		}
		return nil
	})
	return page, err
}

// Member returns one member's view (profile and devices) in a community,
// or ErrNotFound if they have none there.
func (s *Store) Member(ctx context.Context, community protocol.ID, key protocol.PublicKey) (MemberView, error) {
	var v MemberView
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		v, err = loadView[MemberView](txn, community, protocol.Object{Type: protocol.ObjectMember, ID: protocol.ID(key)})
		return err
	})
	return v, err
}

// ByTag lists a community's live records carrying tag, oldest first.
func (s *Store) ByTag(ctx context.Context, community protocol.ID, tag, cursor string, limit int) (Page[Entry], error) {
	return s.liveRecords(ctx, tagKey(community, tag), cursor, limit)
}

// ByAuthor lists a community's live records by author, oldest first.
func (s *Store) ByAuthor(ctx context.Context, community protocol.ID, author protocol.PublicKey, cursor string, limit int) (Page[Entry], error) {
	return s.liveRecords(ctx, key(tAuthor, community[:], author[:]), cursor, limit)
}

// AsideByAuthor lists the records author wrote in a community that are
// kept aside (written after the author's removal, or before any
// admission) and not deleted, oldest first: no one else's node takes
// them, so the author's own node is where the author can read them.
func (s *Store) AsideByAuthor(ctx context.Context, community protocol.ID, author protocol.PublicKey, cursor string, limit int) (Page[Entry], error) {
	return s.records(ctx, key(tAuthor, community[:], author[:]), cursor, limit, func(m Meta) bool { return aside(m.Status) && !m.Deleted })
}

// ByKind lists a community's live records of kind, oldest first.
func (s *Store) ByKind(ctx context.Context, community protocol.ID, kind protocol.Kind, cursor string, limit int) (Page[Entry], error) {
	return s.liveRecords(ctx, key(tKind, community[:], []byte{byte(kind)}), cursor, limit)
}

// AuthorObjects lists the objects that author's records in a community
// belong to, whatever the records' status, for the records where changed
// (if not nil) says yes: those whose views a change of the author's
// standing may change.
func (s *Store) AuthorObjects(ctx context.Context, community protocol.ID, author protocol.PublicKey, changed func(*protocol.Record) bool) ([]protocol.Object, error) {
	seen := make(map[protocol.Object]bool)
	var out []protocol.Object
	err := s.read(ctx, func(txn *badger.Txn) error {
		return scanKeys(txn, key(tAuthor, community[:], author[:]), func(k []byte) error {
			e, err := getStored(txn, decodePos(k).ID)
			if err != nil {
				return err
			}
			if o := e.Meta.Object; o.Type != protocol.ObjectNone && !seen[o] && (changed == nil || changed(e.Record)) {
				seen[o] = true
				out = append(out, o)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("objects of %s: %w", author, err)
	}
	return out, nil
}

func (s *Store) liveRecords(ctx context.Context, prefix []byte, cursor string, limit int) (Page[Entry], error) {
	return s.records(ctx, prefix, cursor, limit, Meta.Live)
}

// records is a page of the records whose positions are indexed under
// prefix and whose meta keep accepts.
func (s *Store) records(ctx context.Context, prefix []byte, cursor string, limit int, keep func(Meta) bool) (Page[Entry], error) {
	var page Page[Entry]
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		page, err = paginate(txn, prefix, cursor, limit, func(k, _ []byte) (Entry, bool, error) {
			e, err := getStored(txn, decodePos(k).ID)
			return e, err == nil && keep(e.Meta), err
		})
		return err
	})
	return page, err
}

// PromotedNote returns the live note promoted from thread, or ErrNotFound:
// a thread is made a note once, and its page links to the note.
func (s *Store) PromotedNote(ctx context.Context, community, thread protocol.ID) (protocol.ID, error) {
	var note protocol.ID
	err := s.read(ctx, func(txn *badger.Txn) error {
		return scanKeys(txn, key(tPromoted, community[:], thread[:]), func(k []byte) error {
			note = lastID(k)
			return errFound
		})
	})
	if errors.Is(err, errFound) {
		return note, nil
	}
	if err != nil {
		return protocol.ID{}, err
	}
	return protocol.ID{}, ErrNotFound
}

// Records returns the accepted records of community with the given ids, in
// that order, skipping any the store does not hold, holds in another
// community, or holds as pending or removed (those are never forwarded).
// It does not wait for views: it is for serving records to peers.
func (s *Store) Records(ctx context.Context, community protocol.ID, ids []protocol.ID) ([]*protocol.Record, error) {
	out := make([]*protocol.Record, 0, len(ids))
	err := s.db.View(func(txn *badger.Txn) error {
		for i, id := range ids {
			if i%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			e, err := getStored(txn, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if e.Meta.Status == protocol.StatusAccepted && e.Record.Community() == community {
				out = append(out, e.Record)
			}
		}
		return nil
	})
	return out, err
}

// Membership returns a community's resolved membership (nil if the store
// holds no record of it). It is an immutable snapshot: the store replaces
// it, never changes it, when control records arrive.
func (s *Store) Membership(community protocol.ID) *protocol.Membership {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.communities[community]; c != nil {
		return c.members
	}
	return nil
}

// Event returns a live event's view.
func (s *Store) Event(ctx context.Context, community, event protocol.ID) (EventView, error) {
	var v EventView
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		v, err = loadView[EventView](txn, community, protocol.Object{Type: protocol.ObjectEvent, ID: event})
		if err != nil {
			return fmt.Errorf("event %s: %w", event, ErrNotFound)
		}
		return nil
	})
	return v, err
}

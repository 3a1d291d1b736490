package store

import (
	"bytes"
	"context"
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/kith-network/kith/protocol"
)

// FileRef is a file (an attachment) and a record that names it.
type FileRef struct {
	File  protocol.Attachment
	Entry Entry
}

// Files lists the files that a community's live records name, ordered by
// hash, one item per record naming a file.
func (s *Store) Files(ctx context.Context, community protocol.ID, cursor string, limit int) (Page[FileRef], error) {
	var page Page[FileRef]
	err := s.read(ctx, func(txn *badger.Txn) error {
		var err error
		page, err = paginate(txn, key(tFile, community[:]), cursor, limit, func(k, _ []byte) (FileRef, bool, error) {
			e, err := getStored(txn, decodePos(k).ID)
			if err != nil {
				return FileRef{}, false, err
			}
			if shown, err := filesShown(txn, e); err != nil || !shown {
				return FileRef{}, false, err
			}
			h := k[1+idLen : 1+2*idLen]
			if again, err := listedBefore(txn, k, h, e); err != nil || again {
				return FileRef{}, false, err
			}
			f, ok := fileIn(e.Record, h)
			return FileRef{File: f, Entry: e}, ok, nil
		})
		return err
	})
	return page, err
}

// listedBefore reports whether Files lists the file with hash h, whose
// index key for e is k, at a key before k already, for an earlier version
// of the same post, reply, note or event as e: an edit names the files it
// keeps again, and the list shows each once.
func listedBefore(txn *badger.Txn, k, h []byte, e Entry) (bool, error) {
	orig := versionOf(e.Record)
	if orig == e.Record.ID() {
		return false, nil // a first version: nothing of it came before
	}
	// Most often the first version named the file already: one read.
	if o, err := getStored(txn, orig); err == nil {
		if _, names := fileIn(o.Record, h); names {
			return filesShown(txn, o)
		}
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	// The file came with an edit: an earlier edit may have brought it.
	found := false
	err := scanKeys(txn, k[:1+2*idLen], func(earlier []byte) error {
		if bytes.Compare(earlier, k) >= 0 {
			return errFound // past e's own key: stop
		}
		o, err := getStored(txn, decodePos(earlier).ID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if versionOf(o.Record) != orig {
			return nil
		}
		if shown, err := filesShown(txn, o); err != nil || !shown {
			return err
		}
		found = true
		return errFound
	})
	if errors.Is(err, errFound) {
		err = nil
	}
	return found, err
}

// versionOf is the record r is a version of: the post, reply or event an
// edit targets, the note a revision is of; r itself otherwise.
func versionOf(r *protocol.Record) protocol.ID {
	h := r.Header
	switch {
	case (h.Kind == protocol.KindPost || h.Kind == protocol.KindReply || h.Kind == protocol.KindEvent) && !h.Target.IsZero():
		return h.Target
	case h.Kind == protocol.KindNote && !h.Root.IsZero():
		return h.Root
	}
	return r.ID()
}

// FileNamed returns the attachment with hash h as a record of community
// whose files are shown names it (filesShown), if one does. Nodes serve
// and fetch a community's files only so: never by hash alone, never on the
// word of an author not admitted (who could claim another size or name
// for a file), and never for what members are not shown (a hidden post's
// file would otherwise still reach every node).
func (s *Store) FileNamed(community, h protocol.ID) (protocol.Attachment, bool, error) {
	return s.FileNamedAs(community, h, "")
}

// FileNamedAs is FileNamed for a record that gives the file that name
// ("": any), if one does: the same bytes attached by two members under
// two names are saved under the name of the record the member looked at.
func (s *Store) FileNamedAs(community, h protocol.ID, name string) (protocol.Attachment, bool, error) {
	var found protocol.Attachment
	var ok bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		found, ok, err = fileNamed(txn, community, h, func(txn *badger.Txn, e Entry) (bool, error) {
			if a, ok := fileIn(e.Record, h[:]); !ok || (name != "" && a.Name != name) {
				return false, nil
			}
			return filesShown(txn, e)
		})
		return err
	})
	return found, ok, err
}

// filesShown reports whether the files of e are shown to members: e is
// live (accepted, neither deleted nor hidden), and so is the record that
// starts the thread, note or event it is part of. Replies outlive their
// thread's post, and an event's edits its event, but are not shown
// without it: neither are their files.
func filesShown(txn *badger.Txn, e Entry) (bool, error) {
	if !e.Meta.Live() {
		return false, nil
	}
	root, ok, err := objectRoot(txn, e)
	if err != nil || !ok || !root.Meta.Live() {
		return false, err
	}
	// An edit is shown only with the record it edits: for a reply's edit
	// that is the reply, not the thread's post (a hide does not pass down
	// to a reply's edits, which name its files again).
	if orig := versionOf(e.Record); orig != e.Record.ID() && orig != root.Record.ID() {
		o, err := getStored(txn, orig)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		return err == nil && o.Meta.Live(), err
	}
	return true, nil
}

// objectRoot returns the record that starts the thread, note or event e
// is part of (e itself, for that record), if it is here.
func objectRoot(txn *badger.Txn, e Entry) (Entry, bool, error) {
	obj := e.Meta.Object
	if obj.ID == e.Record.ID() {
		return e, true, nil
	}
	if obj.Type == protocol.ObjectNone && !obj.ID.IsZero() {
		return Entry{}, false, nil // its target has not come
	}
	root, err := getStored(txn, obj.ID)
	if errors.Is(err, ErrNotFound) {
		return Entry{}, false, nil
	}
	return root, err == nil, err
}

// FileReferenced reports whether a record that is not deleted, in any
// community, still names the file with hash h: a file no such record
// names is purged from disk. A pending record counts (its author may be
// admitted yet, and the member's own records may wait for their join);
// one written after its author's removal does not, nor one part of a
// thread, note or event whose first record is deleted (a reply outlives
// its thread's post, but is never shown again). A hidden record counts:
// a moderator may show it again.
// It waits for pending refreshes, so that a tombstone just stored counts.
func (s *Store) FileReferenced(ctx context.Context, h protocol.ID) (bool, error) {
	return s.FileReferencedElsewhere(ctx, h, protocol.ID{})
}

// FileReferencedElsewhere is FileReferenced for the communities other
// than except: whether the file stays when except is forgotten.
func (s *Store) FileReferencedElsewhere(ctx context.Context, h, except protocol.ID) (bool, error) {
	var ok bool
	err := s.read(ctx, func(txn *badger.Txn) error {
		for _, c := range s.Communities() {
			if c == except {
				continue
			}
			var err error
			if _, ok, err = fileNamed(txn, c, h, func(txn *badger.Txn, e Entry) (bool, error) {
				if e.Meta.Deleted || e.Meta.Status == protocol.StatusRemoved {
					return false, nil
				}
				root, ok, err := objectRoot(txn, e)
				return !ok || !root.Meta.Deleted, err
			}); err != nil || ok {
				return err
			}
		}
		return nil
	})
	return ok, err
}

var errFound = errors.New("found")

// fileNamed returns the attachment with hash h of the first record of
// community that names it and counts.
func fileNamed(txn *badger.Txn, community, h protocol.ID, counts func(*badger.Txn, Entry) (bool, error)) (protocol.Attachment, bool, error) {
	var found protocol.Attachment
	var ok bool
	err := scanKeys(txn, key(tFile, community[:], h[:]), func(k []byte) error {
		e, err := getStored(txn, decodePos(k).ID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if ok, err := counts(txn, e); err != nil || !ok {
			return err
		}
		if found, ok = fileIn(e.Record, h[:]); ok {
			return errFound
		}
		return nil
	})
	if errors.Is(err, errFound) {
		err = nil
	}
	return found, ok, err
}

// fileIn returns the attachment of r with hash h.
func fileIn(r *protocol.Record, h []byte) (protocol.Attachment, bool) {
	for _, f := range protocol.FilesOf(r.Content()) {
		if string(f.Hash) == string(h) {
			return f, true
		}
	}
	return protocol.Attachment{}, false
}

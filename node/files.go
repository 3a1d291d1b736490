package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/blobs"
	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Attachments: files that posts, replies, notes and events name by hash.
// Their bytes live beside the store (node/blobs), travel by the file
// protocol (files_wire.go, files_serve.go, files_fetch.go), are fetched
// automatically up to Config.AutoFetchBytes, and are purged from disk once
// no record that is not deleted names them.

// Defaults for Config's file limits.
const (
	DefaultMaxFileBytes   = 100 << 20
	DefaultAutoFetchBytes = 25 << 20

	fileQueueSize = 1024             // files waiting to be fetched automatically
	fileSweep     = 5 * time.Minute  // how often missing files are looked for
	pinFor        = time.Hour        // how long an uploaded file waits for its record
	purgeDelay    = 2 * time.Second  // after a deletion, so that a burst of them is one purge
	retryFetch    = 10 * time.Minute // before a failed automatic fetch is tried again
	newPeerSweep  = 2 * time.Second  // after a peer connected, before fetches no peer could serve are tried again

	// maxFileSetting names what sets MaxFileBytes, for the messages of
	// what it refuses: a limit is of use to people only with what
	// changes it.
	maxFileSetting = "max_file_mb in config.toml, or kith daemon --max-file-mb"
)

// fileJob is a file to fetch automatically.
type fileJob struct {
	community protocol.ID
	file      protocol.Attachment
}

// openFiles opens the attachment store and starts the automatic fetcher.
func (n *Node) openFiles() error {
	if n.cfg.MaxFileBytes <= 0 {
		n.cfg.MaxFileBytes = DefaultMaxFileBytes
	}
	if n.cfg.AutoFetchBytes < 0 {
		n.cfg.AutoFetchBytes = 0
	} else if n.cfg.AutoFetchBytes == 0 {
		n.cfg.AutoFetchBytes = DefaultAutoFetchBytes
	}
	// Nothing is fetched that would not be kept.
	n.cfg.AutoFetchBytes = min(n.cfg.AutoFetchBytes, n.cfg.MaxFileBytes)
	var err error
	if n.blobs, err = blobs.Open(filepath.Join(n.cfg.Home.Dir, home.FilesDir)); err != nil {
		return err
	}
	n.fetching = make(map[protocol.ID]*fileFetch)
	n.pinned = make(map[protocol.ID]time.Time)
	n.failed = make(map[protocol.ID]time.Time)
	n.noPeer = make(map[protocol.ID]bool)
	n.newPeer = make(chan struct{}, 1)
	n.fileQueue = make(chan fileJob, fileQueueSize)
	n.purgeSoon = make(chan struct{}, 1)
	n.closers = append(n.closers, n.blobs.Close)
	return nil
}

// runFiles fetches files as they are named and purges those no longer
// named, until ctx ends. At start, and every fileSweep, it looks for
// files its communities name that are not here.
func (n *Node) runFiles(ctx context.Context) {
	sweep := time.NewTimer(0)
	defer sweep.Stop()
	var purge <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-n.fileQueue:
			n.autoFetch(ctx, job)
		case <-sweep.C:
			n.sweepFiles(ctx)
			sweep.Reset(fileSweep)
		case <-n.newPeer:
			// Fetches that failed for want of a peer are due again, not in
			// retryFetch: soon, once the peer's protocols are known.
			n.filesMu.Lock()
			due := len(n.noPeer) > 0
			for h := range n.noPeer {
				delete(n.failed, h)
			}
			clear(n.noPeer)
			n.filesMu.Unlock()
			if due {
				sweep.Reset(newPeerSweep)
			}
		case <-n.purgeSoon:
			if purge == nil {
				purge = time.After(purgeDelay)
			}
		case <-purge:
			purge = nil
			if err := n.purgeFiles(ctx); err != nil {
				n.log.Warn("purge deleted attachments", "err", err)
			}
		}
	}
}

// filesStored looks at a record newly stored: its files may be fetched
// now, and a deletion may leave files no record names.
func (n *Node) filesStored(r *protocol.Record, status protocol.Status) {
	if n.blobs == nil {
		return
	}
	if r.Header.Kind == protocol.KindTombstone {
		select {
		case n.purgeSoon <- struct{}{}:
		default:
		}
		return
	}
	for _, f := range protocol.FilesOf(r.Content()) {
		n.filesMu.Lock()
		delete(n.pinned, f.HashID())
		n.filesMu.Unlock()
		if status == protocol.StatusAccepted && f.Size <= uint64(n.cfg.AutoFetchBytes) && !n.blobs.Has(f.HashID()) {
			select {
			case n.fileQueue <- fileJob{r.Community(), f}:
			default: // the sweep will find it
			}
		}
	}
}

// autoFetch fetches one file, unless it failed lately.
func (n *Node) autoFetch(ctx context.Context, job fileJob) {
	h := job.file.HashID()
	n.filesMu.Lock()
	last, failed := n.failed[h]
	n.filesMu.Unlock()
	if n.blobs.Has(h) || (failed && time.Since(last) < retryFetch) {
		return
	}
	if _, shown, err := n.store.FileNamed(job.community, h); err != nil || !shown {
		return // hidden or deleted since it was queued
	}
	err := n.fetchFile(ctx, job.community, job.file, n.cfg.AutoFetchBytes, nil)
	n.filesMu.Lock()
	defer n.filesMu.Unlock()
	if err != nil && ctx.Err() == nil {
		n.failed[h] = time.Now()
		if errors.Is(err, errNoFilePeer) {
			n.noPeer[h] = true
		}
		// fetchFile logged why.
		n.log.Debug("automatic attachment fetch will be tried again", "name", job.file.Name, "after", retryFetch)
		return
	}
	delete(n.failed, h)
	delete(n.noPeer, h)
}

// sweepFiles queues the files its communities' live records name that are
// within the automatic limit and not here.
func (n *Node) sweepFiles(ctx context.Context) {
	for _, c := range n.store.Communities() {
		err := store.EachPage(func(cursor string, limit int) (store.Page[store.FileRef], error) {
			return n.store.Files(ctx, c, cursor, limit)
		}, func(f store.FileRef) error {
			if f.File.Size <= uint64(n.cfg.AutoFetchBytes) && !n.blobs.Has(f.File.HashID()) {
				select {
				case n.fileQueue <- fileJob{c, f.File}:
				default:
				}
			}
			return ctx.Err()
		})
		if err != nil && ctx.Err() == nil {
			n.log.Warn("look for missing attachments", "community", c, "err", err)
		}
	}
}

// purgeFiles removes the files that no record that is not deleted names
// any more, complete or being fetched, except those uploaded lately whose
// record has not come yet.
func (n *Node) purgeFiles(ctx context.Context) error {
	hashes, err := n.blobs.Hashes()
	if err != nil {
		return err
	}
	partial, err := n.blobs.PartialHashes()
	if err != nil {
		return err
	}
	for _, h := range append(hashes, partial...) {
		n.filesMu.Lock()
		at, pinned := n.pinned[h]
		n.filesMu.Unlock()
		if pinned && time.Since(at) < pinFor {
			continue
		}
		named, err := n.store.FileReferenced(ctx, h)
		if err != nil {
			return err
		}
		if !named {
			if err := n.blobs.Remove(h); err != nil {
				return err
			}
			n.log.Info("attachment purged: no record names it any more", "hash", h)
		}
	}
	return n.forgetFailedFetches(ctx)
}

// forgetFailedFetches drops the failed fetches (kept to say why: fetchFile)
// of files that no record that is not deleted names any more.
func (n *Node) forgetFailedFetches(ctx context.Context) error {
	n.filesMu.Lock()
	var failed []protocol.ID
	for h, f := range n.fetching {
		if f.ended() {
			failed = append(failed, h)
		}
	}
	n.filesMu.Unlock()
	for _, h := range failed {
		named, err := n.store.FileReferenced(ctx, h)
		if err != nil {
			return err
		}
		if !named {
			n.filesMu.Lock()
			if f := n.fetching[h]; f != nil && f.ended() {
				delete(n.fetching, h)
			}
			n.filesMu.Unlock()
		}
	}
	return nil
}

// attachments turns the files of a request into attachments for a record,
// checking that each was uploaded here (the node must hold what it
// announces: its peers will ask it for the bytes).
func (n *Node) attachments(files []api.File) ([]protocol.Attachment, error) {
	var out []protocol.Attachment
	for _, f := range files {
		if n.blobs == nil || !n.blobs.Has(f.Hash) {
			return nil, fmt.Errorf("%w: file %q (%s) is not on this node: upload it first (POST /api/files)", api.ErrBadRequest, f.Name, f.Hash)
		}
		_, list, err := n.blobs.ChunkList(f.Hash)
		if err != nil {
			return nil, err
		}
		a := protocol.Attachment{Hash: f.Hash[:], Size: f.Size, Name: f.Name, Type: f.Type}
		if !a.CheckChunkList(list) {
			return nil, fmt.Errorf("%w: file %q: its size does not match the file uploaded", api.ErrBadRequest, f.Name)
		}
		out = append(out, a)
	}
	return out, nil
}

// editFiles is the attachments of an edit: those of the version shown
// (have), with the files uploaded for it added and those named in
// remove taken away; a hash in remove that have does not hold is refused.
func (n *Node) editFiles(have []protocol.Attachment, added []api.File, remove []protocol.ID) ([]protocol.Attachment, error) {
	more, err := n.attachments(added)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(have)
	for _, h := range remove {
		i := slices.IndexFunc(out, func(a protocol.Attachment) bool { return a.HashID() == h })
		if i < 0 {
			return nil, fmt.Errorf("%w: no attachment %s to remove: the version shown has none of that hash", api.ErrBadRequest, h)
		}
		out = slices.Delete(out, i, i+1)
	}
	return addFiles(out, more), nil
}

// sameFiles reports whether two lists of attachments name the same files
// in the same order.
func sameFiles(a, b []protocol.Attachment) bool {
	return slices.EqualFunc(a, b, func(x, y protocol.Attachment) bool { return bytes.Equal(x.Hash, y.Hash) && x.Name == y.Name })
}

// addFiles appends to have the files of more it does not name yet.
func addFiles(have, more []protocol.Attachment) []protocol.Attachment {
	for _, f := range more {
		if !slices.ContainsFunc(have, func(g protocol.Attachment) bool { return bytes.Equal(g.Hash, f.Hash) }) {
			have = append(have, f)
		}
	}
	return have
}

// AddFile implements api.Backend: it keeps an uploaded file, to be named
// by a record the caller makes next.
func (n *Node) AddFile(ctx context.Context, r io.Reader, name, mediaType string) (api.File, error) {
	if reason := protocol.CheckFileName(name); reason != "" {
		return api.File{}, fmt.Errorf("%w: %s", api.ErrBadRequest, reason)
	}
	mediaType = normalizeMediaType(mediaType, name)
	a, err := n.blobs.Add(ctx, r, name, mediaType, n.cfg.MaxFileBytes)
	if errors.Is(err, blobs.ErrTooLarge) {
		// The store's message counts bytes; people think in MiB, and
		// need the setting that moves the limit. The caller names the
		// file (the UI and the CLI say "attach NAME: ...").
		return api.File{}, fmt.Errorf("%w: the file is larger than this node's limit of %s (%s)",
			api.ErrBadRequest, api.ByteSize(uint64(n.cfg.MaxFileBytes)), maxFileSetting)
	}
	if err != nil {
		return api.File{}, err
	}
	if err := a.Check(); err != nil {
		n.blobs.Remove(a.HashID())
		return api.File{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	n.filesMu.Lock()
	n.pinned[a.HashID()] = time.Now()
	if f := n.fetching[a.HashID()]; f != nil && f.ended() {
		delete(n.fetching, a.HashID()) // a failed fetch of it: moot now
	}
	n.filesMu.Unlock()
	f := fileOf(a)
	n.markFile(&f)
	return f, nil
}

// markFiles says of each file whether it is here, or how far its fetch
// is, or why it cannot be fetched here or its last fetch failed.
func (n *Node) markFiles(fs []api.File) {
	for i := range fs {
		n.markFile(&fs[i])
	}
}

func (n *Node) markFile(f *api.File) {
	f.Here = n.blobs.Has(f.Hash)
	if f.Here {
		return
	}
	if f.Size > uint64(n.cfg.MaxFileBytes) {
		f.OverLimit = uint64(n.cfg.MaxFileBytes)
	}
	n.filesMu.Lock()
	ff := n.fetching[f.Hash]
	n.filesMu.Unlock()
	switch {
	case ff == nil:
	case ff.ended(): // a failed fetch: its err was set before done closed
		if ff.err != nil {
			f.FetchError = ff.err.Error()
		}
	default:
		f.Fetching, f.Received = true, ff.got()
	}
}

// filesOf returns a record's attachments as the API shows them.
func filesOf(as []protocol.Attachment) []api.File {
	var out []api.File
	for _, a := range as {
		out = append(out, fileOf(a))
	}
	return out
}

func fileOf(a protocol.Attachment) api.File {
	return api.File{Hash: a.HashID(), Size: a.Size, Name: a.Name, Type: a.Type}
}

// Files implements api.Backend.
func (n *Node) Files(ctx context.Context, community protocol.ID, cursor string, limit int) (api.Files, error) {
	if _, err := n.member(community); err != nil {
		return api.Files{}, err
	}
	page, err := n.store.Files(ctx, community, cursor, limit)
	if err != nil {
		return api.Files{}, err
	}
	out := api.Files{Files: []api.FileEntry{}, Next: page.Next}
	for _, f := range page.Items {
		h := f.Entry.Record.Header
		e := api.FileEntry{File: fileOf(f.File), Record: f.Entry.Record.ID(), Kind: h.Kind.String(), Author: h.Author,
			Created: h.Created}
		n.markFile(&e.File)
		out.Files = append(out.Files, e)
	}
	return out, nil
}

// namedFile finds a community whose records name the file with hash h,
// and the attachment of a record that names it as name, if one does ("":
// any), or else of the first that names it.
func (n *Node) namedFile(h protocol.ID, name string) (protocol.ID, protocol.Attachment, error) {
	names := []string{""}
	if name != "" {
		names = []string{name, ""}
	}
	for _, want := range names {
		for _, c := range n.store.Communities() {
			a, ok, err := n.store.FileNamedAs(c, h, want)
			if err != nil {
				return protocol.ID{}, a, err
			}
			if ok {
				return c, a, nil
			}
		}
	}
	return protocol.ID{}, protocol.Attachment{}, fmt.Errorf("%w: no record in your communities names file %s", api.ErrNotFound, h)
}

// FetchFile implements api.Backend: it fetches a file now, whatever its
// size (up to the node's limit), reporting progress.
func (n *Node) FetchFile(ctx context.Context, h protocol.ID, progress func(api.FileProgress)) (api.File, error) {
	c, a, err := n.namedFile(h, "")
	if err != nil {
		return api.File{}, err
	}
	err = n.fetchFile(ctx, c, a, n.cfg.MaxFileBytes, func(got uint64) {
		if progress != nil {
			progress(api.FileProgress{Received: got, Size: a.Size})
		}
	})
	if errors.Is(err, blobs.ErrTooLarge) {
		err = fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	return fileOf(a), err
}

// OpenFile implements api.Backend: the bytes of a file some record names,
// if they are here, with the name and type of one that names it as name
// (if one does).
func (n *Node) OpenFile(ctx context.Context, h protocol.ID, name string) (*os.File, api.File, error) {
	_, a, err := n.namedFile(h, name)
	if err != nil {
		return nil, api.File{}, err
	}
	f, err := n.blobs.OpenChecked(h)
	if errors.Is(err, blobs.ErrNotFound) {
		return nil, fileOf(a), fmt.Errorf("%w: %q is not on this node yet: fetch it first (kith attachment get)", api.ErrNotFound, a.Name)
	}
	if errors.Is(err, blobs.ErrMismatch) {
		n.log.Warn("a file on this node was damaged on disk: removed, to be fetched from peers again", "file", a.Name, "hash", h, "err", err)
		return nil, fileOf(a), fmt.Errorf("%w: the copy of %q on this node was damaged on disk, and is removed: fetch it again (kith attachment get)", api.ErrNotFound, a.Name)
	}
	return f, fileOf(a), err
}

// normalizeMediaType puts a media type said by a browser or the CLI in
// the form records carry (lowercase, no parameters); one the protocol
// would refuse gives way to the type of the name's extension, else to
// application/octet-stream.
func normalizeMediaType(t, name string) string {
	for _, c := range []string{t, mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))} {
		if mt, _, err := mime.ParseMediaType(c); err == nil {
			c = mt
		}
		if c = strings.ToLower(c); protocol.ValidMediaType(c) {
			return c
		}
	}
	return "application/octet-stream"
}

package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/gossip"
	"github.com/kith-network/kith/protocol"
)

// exportBatch is how many records Export reads from the store at once,
// and importBatch how many Import validates and stores at once.
const (
	exportBatch = 1000
	importBatch = 1000
)

// Export implements api.Backend: every accepted record of a community, the
// genesis first and the rest in community order, as an archive
// (protocol.ArchiveWriter) written to w.
func (n *Node) Export(ctx context.Context, community protocol.ID, w io.Writer) error {
	if _, err := n.community(community); err != nil {
		return err
	}
	// The set, and its digest, at one moment: records stored meanwhile
	// are left for the next export.
	var positions []protocol.Position
	var acc protocol.Accumulator
	n.store.RangePositions(community, protocol.Position{}, protocol.MaxPosition, func(p protocol.Position) bool {
		positions = append(positions, p)
		acc.Add(p.ID)
		return true
	})
	digest := acc.Fingerprint()
	// The genesis first, whatever its date: a node importing the archive
	// without the community learns it before the records it governs.
	if i := slices.IndexFunc(positions, func(p protocol.Position) bool { return p.ID == community }); i > 0 {
		g := positions[i]
		copy(positions[1:i+1], positions[:i])
		positions[0] = g
	}
	aw, err := protocol.NewArchiveWriter(w, protocol.ArchiveHeader{Community: community, Records: uint64(len(positions)),
		Digest: digest.String(), Exported: time.Now().UnixMilli()})
	if err != nil {
		return err
	}
	for rest := positions; len(rest) > 0; rest = rest[min(len(rest), exportBatch):] {
		ids := make([]protocol.ID, 0, exportBatch)
		for _, p := range rest[:min(len(rest), exportBatch)] {
			ids = append(ids, p.ID)
		}
		recs, err := n.store.Records(ctx, community, ids)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if len(recs) != len(ids) {
			return fmt.Errorf("export: %d of %d records could be read", len(recs), len(ids))
		}
		for _, r := range recs {
			if err := aw.Write(r); err != nil {
				return err
			}
		}
	}
	return aw.Close()
}

// Import implements api.Backend: the records of an archive, each
// validated as if it came from the network and the set checked against
// the header (protocol.ArchiveCheck), stored through the store's one path;
// the node then follows the community. An archive with a record that
// fails is refused at that record, saying which and why; records before
// it in the same batch are not stored (earlier batches, valid and signed,
// are). A node that does not hold the community takes an archive only if
// its first batch holds the genesis, so that a bad archive leaves no
// community behind without one.
func (n *Node) Import(ctx context.Context, r io.Reader) (api.ImportResult, error) {
	res, err := n.importArchive(ctx, r)
	if res.Records == 0 {
		return res, err
	}
	// Records were stored, each valid and signed, as if synced: the node
	// follows the community whatever became of the rest, and an error
	// says what was kept.
	if m := n.store.Membership(res.Community); m != nil && m.Genesis != nil {
		if jerr := n.gossip.Join(res.Community); jerr != nil && err == nil {
			err = jerr
		}
	}
	if err != nil && !errors.Is(err, errArchiveSet) {
		err = fmt.Errorf("%w (the archive's first %d records were checked and taken in, each valid and signed; importing it again skips those this node holds)", err, res.Records)
	}
	if err == nil {
		d, count := n.store.Fingerprint(res.Community, protocol.Position{}, protocol.MaxPosition)
		res.Digest, res.Held = d.String(), count
	}
	return res, err
}

// errArchiveSet marks the error of an archive whose records were all
// stored but do not make the set its header announces.
var errArchiveSet = errors.New("the archive is not the set it announces")

// importArchive stores an archive's records, batch by batch (Import).
func (n *Node) importArchive(ctx context.Context, r io.Reader) (api.ImportResult, error) {
	ar, err := protocol.NewArchiveReader(r)
	if err != nil {
		return api.ImportResult{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	c := ar.Header.Community
	n.store.Remember(c) // importing a community this node forgot brings it back
	res := api.ImportResult{Community: c, Announced: ar.Header.Records, AnnouncedDigest: ar.Header.Digest}
	set := protocol.NewArchiveCheck(ar.Header)
	m := n.store.Membership(c)
	needGenesis := m == nil || m.Genesis == nil
	var raw [][]byte
	flush := func() error {
		if len(raw) == 0 {
			return nil
		}
		recs, bad, err := validateAll(raw, time.Now(), n.refuser("import"))
		if err != nil {
			first := ar.Read() - uint64(len(raw)) + 1
			return fmt.Errorf("%w: record %d of the archive is refused: %w", api.ErrBadRequest, first+uint64(bad), err)
		}
		// The genesis leads (or, in an archive written before exports put
		// it first, follows the records its members dated before it).
		if needGenesis && res.Records == 0 && !slices.ContainsFunc(recs, func(r *protocol.Record) bool { return r.ID() == c }) {
			return fmt.Errorf("%w: this node does not hold community %s and the archive's first %d records do not include its genesis", api.ErrBadRequest, c, len(recs))
		}
		for _, rec := range recs {
			if err := set.Add(rec); err != nil {
				if rec.Community() != c {
					n.metrics.refuse("import", gossip.RefusedOtherCommunity)
				}
				return fmt.Errorf("%w: %w", api.ErrBadRequest, err)
			}
		}
		outs, err := n.store.Ingest(ctx, recs)
		n.stored(recs, outs, "import")
		if err != nil {
			return err
		}
		for _, o := range outs {
			if o.Added {
				res.Added++
			}
			if o.Refused {
				res.Refused++
			}
		}
		res.Records += uint64(len(recs))
		raw = raw[:0]
		return nil
	}
	for {
		b, err := ar.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
		}
		if raw = append(raw, b); len(raw) == importBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if err := n.store.Flush(ctx); err != nil {
		return res, err
	}
	if err := set.Close(); err != nil {
		// The records stored are valid and signed, as if synced; the
		// archive as a whole is not what it claims.
		return res, fmt.Errorf("%w: %w: %d records stored, each valid, but %w", api.ErrBadRequest, errArchiveSet, res.Records, err)
	}
	return res, nil
}

package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Forgetting a community drops it from this node only: its records,
// search documents and the attachments no other community names are
// deleted here, the node stops replicating it, and nothing is sent to
// anyone. The member stays a member (the protocol has no record for
// leaving), so joining again with an invite code brings it back whole.

// ForgetPreview implements api.Backend: what forgetting a community would
// delete, and whether something may exist only here.
func (n *Node) ForgetPreview(ctx context.Context, community protocol.ID) (api.ForgetPreview, error) {
	m, err := n.community(community)
	if err != nil {
		return api.ForgetPreview{}, err
	}
	_, count := n.store.Fingerprint(community, protocol.Position{}, protocol.MaxPosition)
	me := n.id.MemberKey()
	out := api.ForgetPreview{Community: community, Name: m.Genesis.Name, Records: count, Members: admitted(m),
		Standing: m.Standing(me).String(), Peers: len(n.gossip.Peers(community))}
	var newest int64
	err = store.EachPage(func(cursor string, limit int) (store.Page[store.Entry], error) {
		return n.store.ByAuthor(ctx, community, me, cursor, limit)
	}, func(e store.Entry) error {
		out.Mine++
		newest = max(newest, e.Record.Header.Created)
		return nil
	})
	if err != nil {
		return api.ForgetPreview{}, fmt.Errorf("count your records in community %s: %w", community, err)
	}
	out.NewestMine = newest
	if st := n.SyncStatus(community); !st.LastSync.IsZero() {
		out.LastSync, out.LastPeer = st.LastSync.UnixMilli(), st.LastPeer.String()
	}
	// What a peer may lack: the member's records newer than the last
	// session that reconciled both ways. Gossip most likely carried them,
	// but only a sync says so.
	out.MaybeOnlyHere = out.Mine > 0 && newest > out.LastSync
	if n.blobs != nil {
		counted := make(map[protocol.ID]bool) // a file each record names is listed once per record
		err = store.EachPage(func(cursor string, limit int) (store.Page[store.FileRef], error) {
			return n.store.Files(ctx, community, cursor, limit)
		}, func(f store.FileRef) error {
			h := f.File.HashID()
			if counted[h] || !n.blobs.Has(h) {
				return nil
			}
			counted[h] = true
			// As the purge after the forget will judge it (purgeFiles).
			kept, err := n.store.FileReferencedElsewhere(ctx, h, community)
			if !kept && err == nil {
				out.Files++
			}
			return err
		})
		if err != nil {
			return api.ForgetPreview{}, fmt.Errorf("list the attachments of community %s: %w", community, err)
		}
	}
	return out, nil
}

// Forget implements api.Backend: it deletes a community from this node
// (store, search index, attachments only it names) and stops replicating
// it.
func (n *Node) Forget(ctx context.Context, community protocol.ID) (api.ForgetAnswer, error) {
	m, err := n.community(community)
	if err != nil {
		return api.ForgetAnswer{}, err
	}
	start := time.Now()
	alone := admitted(m) <= 1 && len(n.gossip.Peers(community)) == 0
	// The store first: from then on it refuses the community's records
	// (a sync session running, gossip until it is left), and the
	// catch-up loop, which subscribes to what the store holds, no longer
	// sees it. Once begun, to the end: a Ctrl-C of the command does not
	// stop it half way.
	removed, err := n.store.Forget(context.WithoutCancel(ctx), community)
	if errors.Is(err, store.ErrNotFound) {
		return api.ForgetAnswer{}, fmt.Errorf("%w: this node holds no community %s (forgotten already?)", api.ErrNotFound, community)
	}
	if n.store.Membership(community) == nil {
		// Unlisted, even if the removal failed part way (the store
		// finishes it at its next start): nothing else may keep it.
		if lerr := n.gossip.Leave(community); lerr != nil {
			n.log.Warn("leave a forgotten community's gossip", "community", community, "err", lerr)
		}
		if n.index != nil {
			n.index.forget(community)
		}
		n.modLog.forget(community)
		n.syncs.forget(community)
		if n.blobs != nil {
			select {
			case n.purgeSoon <- struct{}{}:
			default:
			}
		}
	}
	if err != nil {
		return api.ForgetAnswer{}, err
	}
	n.log.Info("forgot a community: it is deleted from this node", "community", community, "name", m.Genesis.Name,
		"records", removed, "took", time.Since(start).Round(time.Millisecond))
	return api.ForgetAnswer{Community: community, Name: m.Genesis.Name, Records: removed, Alone: alone}, nil
}

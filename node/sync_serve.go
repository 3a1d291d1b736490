package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// serveSync answers a sync session.
func (n *Node) serveSync(s network.Stream) {
	defer s.Close()
	defer resetOnDone(n.ctx, s)()
	remote := s.Conn().RemotePeer()
	s.SetDeadline(time.Now().Add(syncDeadline))
	if !n.syncs.begin(remote) {
		// One session per peer at a time: this one shares nothing, and
		// says it is busy (1.0.0 has no word for it: an empty accept).
		f := newFrames(s, maxSessionBytes)
		answer := byte(frameAccept)
		if s.Protocol() == syncProtocol {
			answer = frameBusy
		}
		if _, _, err := f.recv(frameHello); err == nil && f.send(answer, nil) == nil {
			f.flush()
		}
		return
	}
	defer n.syncs.end(remote)
	ctx, cancel := context.WithTimeout(n.ctx, syncDeadline)
	defer cancel()
	f := newFrames(s, maxSessionBytes)
	err := n.answerSync(ctx, f, remote, s.Protocol() == syncProtocol)
	n.metrics.session("server", err, f.in.n, f.out.n)
	if err != nil {
		n.log.Debug("sync session ended", "peer", remote, "err", err)
		s.Reset()
	}
}

// answerSync answers a session; notices says whether the client takes
// removal notices (sync 1.1.0).
func (n *Node) answerSync(ctx context.Context, f *frames, remote peer.ID, notices bool) error {
	_, hello, err := f.recv(frameHello)
	if err != nil {
		return err
	}
	if len(hello) < 16 || (len(hello)-16)%32 != 0 || (len(hello)-16)/32 > maxSyncCommunities {
		return errors.New("malformed hello")
	}
	salt, offered := hello[:16], hello[16:]
	ours := make(map[[32]byte]protocol.ID)
	for _, c := range n.store.Communities() {
		ours[salted(salt, c)] = c
	}
	var accept []byte
	var shared []protocol.ID
	removed := make(map[byte]removedMember)
	seen := make(map[protocol.ID]bool)
	for i := 0; i*32 < len(offered); i++ {
		// Membership is checked only for the communities both hold.
		c, ok := ours[[32]byte(offered[i*32:(i+1)*32])]
		if !ok || seen[c] { // a community offered twice is served once
			continue
		}
		seen[c] = true
		switch who, st, allowed := n.peerAccess(c, remote); {
		case allowed:
			accept = append(accept, byte(i))
			shared = append(shared, c)
		case st == protocol.StandingRemoved:
			removed[byte(i)] = removedMember{c, who}
		}
	}
	if notices {
		if err := n.sendRemovals(ctx, f, remote, removed); err != nil {
			return err
		}
	}
	if err := f.send(frameAccept, accept); err != nil {
		return err
	}
	if err := f.flush(); err != nil {
		return err
	}
	for _, c := range shared {
		n.syncs.update(c, func(st *SyncStatus) { st.InProgress, st.Fetched, st.Missing = true, 0, 0 })
		got, err := n.syncServer(ctx, f, c)
		n.syncs.update(c, func(st *SyncStatus) {
			st.InProgress, st.Fetched = false, got
			st.Total += got
			if err != nil {
				st.LastError = err.Error()
				return
			}
			st.LastSync, st.LastPeer, st.LastError = time.Now(), remote, ""
		})
		if err != nil {
			return fmt.Errorf("community %s: %w", c, err)
		}
	}
	return nil
}

// syncServer answers one community of a session and returns how many
// records the client gave us.
func (n *Node) syncServer(ctx context.Context, f *frames, c protocol.ID) (int, error) {
	rec := protocol.NewServer(storeSet{n.store, c})
	for {
		kind, data, err := f.recv(frameReconcile, frameEnd)
		if err != nil {
			return 0, err
		}
		if kind == frameEnd {
			break
		}
		if rec.Rounds > 64 {
			return 0, errors.New("reconciliation does not converge")
		}
		m, err := protocol.DecodeMessage(data)
		if err != nil {
			return 0, err
		}
		out, done, err := rec.Process(m)
		if err != nil {
			return 0, err
		}
		if done {
			if err := f.send(frameEnd, nil); err != nil {
				return 0, err
			}
			if err := f.flush(); err != nil {
				return 0, err
			}
			break
		}
		if err := f.send(frameReconcile, out.Encode()); err != nil {
			return 0, err
		}
		if err := f.flush(); err != nil {
			return 0, err
		}
	}
	// Answer requests until the client ends them.
	for {
		kind, data, err := f.recv(frameRequest, frameEnd)
		if err != nil {
			return 0, err
		}
		if kind == frameEnd {
			break
		}
		if len(data)%32 != 0 || len(data)/32 > syncBatch {
			return 0, errors.New("malformed request")
		}
		var ids []protocol.ID
		for i := 0; i < len(data); i += 32 {
			ids = append(ids, protocol.ID(data[i:i+32]))
		}
		if _, err := n.sendRecords(ctx, f, c, ids); err != nil {
			return 0, err
		}
	}
	// Take what the client gives us, which is this node's catch-up when
	// the peer started the session: shown as it goes, as the client's is.
	tally := new(received)
	defer tally.report(n.log, c)
	return n.receiveRecords(ctx, f, c, tally, func(stored int) {
		n.syncs.update(c, func(st *SyncStatus) { st.Fetched += stored })
	})
}

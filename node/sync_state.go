package node

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/protocol"
)

// SyncResult is what one session with one peer did in one community.
type SyncResult struct {
	Community protocol.ID
	Peer      peer.ID
	Fetched   int // records received
	Sent      int // records sent
	Rounds    int // reconciliation messages the client sent
	Bytes     int // reconciliation bytes, both ways
}

// syncState is what a node tells people about sync, per community.
type syncState struct {
	mu    sync.Mutex
	last  map[protocol.ID]SyncStatus
	peers map[peer.ID]bool // peers with a session running (one at a time each)
}

// SyncStatus is the sync state of one community.
type SyncStatus struct {
	LastSync   time.Time
	LastPeer   peer.ID
	LastError  string
	InProgress bool
	Fetched    int // records fetched by the last or current session
	Missing    int // records the last or current session found missing here
	Total      int // records fetched by every session since the node started
}

func (s *syncState) begin(p peer.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peers[p] {
		return false
	}
	s.peers[p] = true
	return true
}

// active reports whether a session of this node's is running.
func (s *syncState) active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.peers) > 0
}

func (s *syncState) end(p peer.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.peers, p)
}

func (s *syncState) update(c protocol.ID, fn func(*SyncStatus)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.last[c]
	fn(&st)
	s.last[c] = st
}

// forget drops a community's state: this node forgot it.
func (s *syncState) forget(c protocol.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, c)
}

// SyncStatus returns the sync state of a community.
func (n *Node) SyncStatus(c protocol.ID) SyncStatus {
	n.syncs.mu.Lock()
	defer n.syncs.mu.Unlock()
	return n.syncs.last[c]
}

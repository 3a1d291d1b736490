package node

import (
	"context"
	"sync"

	"github.com/libp2p/go-libp2p/core/network"
)

// taskGroup tracks the node's background work and stream handlers so that
// Close can wait for all of it before closing the host and the store.
// Unlike a bare WaitGroup, it refuses work once closing has begun: work
// started from network callbacks can arrive at any moment.
type taskGroup struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// add counts one more task, unless the group is closed.
func (g *taskGroup) add() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

// Go runs fn in a new goroutine, unless the group is closed.
func (g *taskGroup) Go(fn func()) {
	if !g.add() {
		return
	}
	go func() {
		defer g.wg.Done()
		fn()
	}()
}

// Run runs fn in this goroutine and reports true, or reports false at
// once if the group is closed.
func (g *taskGroup) Run(fn func()) bool {
	if !g.add() {
		return false
	}
	defer g.wg.Done()
	fn()
	return true
}

// Close refuses new tasks and waits for the running ones.
func (g *taskGroup) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}

// handler wraps a stream handler so that Close waits for it, and refuses
// streams that arrive while the node closes.
func (n *Node) handler(serve func(network.Stream)) network.StreamHandler {
	return func(s network.Stream) {
		if !n.tasks.Run(func() { serve(s) }) {
			s.Reset()
		}
	}
}

// resetOnDone resets s when ctx ends, so that a read or write blocked on
// a silent peer returns instead of holding up Close until the stream's
// deadline, minutes away. Call the returned func when done with s.
func resetOnDone(ctx context.Context, s network.Stream) func() bool {
	return context.AfterFunc(ctx, func() { s.Reset() })
}

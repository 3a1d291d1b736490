package node

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// logLines is how many recent log lines the daemon keeps for `kith logs`.
const logLines = 2000

// logRing keeps the daemon's recent log as JSON lines, whatever format its
// own log is written in, so that `kith logs` can show and follow it
// without knowing where the daemon's standard error went (a terminal, the
// journal, a file).
type logRing struct {
	mu      sync.Mutex
	lines   [][]byte // a ring of up to logLines lines, oldest at next once full
	next    int
	subs    map[chan []byte]struct{}
	stopped bool
}

func newLogRing() *logRing {
	return &logRing{subs: make(map[chan []byte]struct{})}
}

// handler returns a handler that writes to inner and keeps a copy of every
// record inner takes (at inner's level) in the ring.
func (l *logRing) handler(inner slog.Handler) slog.Handler {
	return teeHandler{inner: inner, ring: slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: durationText})}
}

// Write takes one line: slog's handlers write each record in one call.
func (l *logRing) Write(p []byte) (int, error) {
	line := slices.Clone(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) < logLines {
		l.lines = append(l.lines, line)
	} else {
		l.lines[l.next] = line
		l.next = (l.next + 1) % logLines
	}
	for ch := range l.subs {
		select {
		case ch <- line:
		default: // a follower that cannot keep up misses lines rather than slow the node
		}
	}
	return len(p), nil
}

// recent returns up to n of the last lines, oldest first.
func (l *logRing) recent(n int) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recentLocked(n)
}

func (l *logRing) recentLocked(n int) [][]byte {
	all := append(slices.Clone(l.lines[l.next:]), l.lines[:l.next]...)
	return all[max(0, len(all)-n):]
}

// follow returns up to n recent lines and a channel of the lines logged
// after them, open until ctx ends or the node stops.
func (l *logRing) follow(ctx context.Context, n int) ([][]byte, <-chan []byte) {
	ch := make(chan []byte, 256)
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		close(ch)
		return nil, ch
	}
	l.subs[ch] = struct{}{}
	recent := l.recentLocked(n) // under the same lock: no line both recent and followed
	l.mu.Unlock()
	out := make(chan []byte)
	go func() {
		defer close(out)
		defer l.unsubscribe(ch)
		for {
			select {
			case <-ctx.Done():
				return
			case line, ok := <-ch:
				if !ok {
					return
				}
				select {
				case out <- line:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return recent, out
}

func (l *logRing) unsubscribe(ch chan []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.subs, ch)
}

// stop ends every follower, so that the API server can shut down.
func (l *logRing) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	for ch := range l.subs {
		close(ch)
		delete(l.subs, ch)
	}
}

// teeHandler sends each record to two handlers; the second takes whatever
// the first is enabled for.
type teeHandler struct {
	inner, ring slog.Handler
}

func (t teeHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return t.inner.Enabled(ctx, level)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	err := t.inner.Handle(ctx, r.Clone())
	t.ring.Handle(ctx, r) // the ring never fails
	return err
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{inner: t.inner.WithAttrs(as), ring: t.ring.WithAttrs(as)}
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{inner: t.inner.WithGroup(name), ring: t.ring.WithGroup(name)}
}

// Logs implements api.Backend.
func (n *Node) Logs(ctx context.Context, lines int, follow bool) ([][]byte, <-chan []byte, error) {
	if !follow {
		return n.logs.recent(lines), nil, nil
	}
	recent, next := n.logs.follow(ctx, lines)
	return recent, next, nil
}

// durationText writes durations as the text log does ("104.6ms"), not as
// JSON's nanoseconds, for the people who read `kith logs`.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

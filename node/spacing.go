package node

import (
	"sync"
	"time"
)

// spacing lets a thing be done for a key at most once every so often:
// work that costs a peer a round trip, repeated by a timer or at every
// session. The zero value is ready for use.
type spacing[K comparable] struct {
	mu   sync.Mutex
	last map[K]time.Time
}

// due reports whether it may be done for k now (not within every of the
// last time), and if so notes now. Keys older than every are forgotten.
func (s *spacing[K]) due(k K, every time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.last[k]; ok && time.Since(t) < every {
		return false
	}
	if s.last == nil {
		s.last = make(map[K]time.Time)
	}
	for k, t := range s.last {
		if time.Since(t) >= every {
			delete(s.last, k)
		}
	}
	s.last[k] = time.Now()
	return true
}

// forgetIf lets it be done at once for each key that drop says yes for.
// drop is called without the lock held (it may read the store).
func (s *spacing[K]) forgetIf(drop func(K) bool) {
	s.mu.Lock()
	keys := make([]K, 0, len(s.last))
	for k := range s.last {
		keys = append(keys, k)
	}
	s.mu.Unlock()
	for _, k := range keys {
		if drop(k) {
			s.mu.Lock()
			delete(s.last, k)
			s.mu.Unlock()
		}
	}
}

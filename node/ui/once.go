package ui

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// expiring is a small map whose entries expire, and bounded: when it is
// full, the entry that expires first goes. It holds the login codes not
// yet used (login.go) and the answers of forms sent with a token (below).
type expiring[V any] struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]expiringEntry[V]
}

type expiringEntry[V any] struct {
	value V
	exp   time.Time
}

// put keeps v under k for the map's ttl.
func (e *expiring[V]) put(k string, v V) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.entries == nil {
		e.entries = make(map[string]expiringEntry[V])
	}
	now := time.Now()
	for key, en := range e.entries {
		if now.After(en.exp) {
			delete(e.entries, key)
		}
	}
	for len(e.entries) >= e.max {
		oldest, at := "", time.Time{}
		for key, en := range e.entries {
			if oldest == "" || en.exp.Before(at) {
				oldest, at = key, en.exp
			}
		}
		delete(e.entries, oldest)
	}
	e.entries[k] = expiringEntry[V]{value: v, exp: now.Add(e.ttl)}
}

// get returns what is kept under k, if it has not expired; take also
// drops it, so that it serves once.
func (e *expiring[V]) get(k string) (V, bool)  { return e.lookup(k, false) }
func (e *expiring[V]) take(k string) (V, bool) { return e.lookup(k, true) }

func (e *expiring[V]) lookup(k string, drop bool) (V, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.entries[k]
	if drop {
		delete(e.entries, k)
	}
	if !ok || k == "" || time.Now().After(en.exp) {
		var zero V
		return zero, false
	}
	return en.value, true
}

// A form whose answer is a page (formPage) and that makes something new
// each time (an invite) carries a random token, "once", made with the
// page holding the form. Its answer is kept a while under that token (and
// what the form held), so that the browser sending the same form again (a
// reload) shows the same answer instead of making another: a reload made
// a second invite, silently valid.

const (
	onceTTL = 30 * time.Minute
	maxOnce = 64 // answers kept
)

// newOnce returns a fresh token for a form.
func newOnce() string { return randomHex(16) }

// randomHex is n random bytes in hexadecimal.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

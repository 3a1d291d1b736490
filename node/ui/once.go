package ui

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// A form whose answer is a page (formPage) and that makes something new
// each time (an invite) carries a random token, "once", made with the
// page holding the form. Its answer is kept a while under that token, so
// that the browser sending the form again (a reload, Back then Forward)
// shows the same answer instead of making another: a reload made a second
// invite, silently valid.

const (
	onceTTL = 30 * time.Minute
	maxOnce = 64 // answers kept; the oldest is dropped beyond
)

// onceAnswers holds the answers of forms sent with a token.
type onceAnswers struct {
	mu      sync.Mutex
	answers map[string]onceAnswer
}

type onceAnswer struct {
	page any
	exp  time.Time
}

// newOnce returns a fresh token for a form.
func newOnce() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// get returns the answer kept for token, if any.
func (o *onceAnswers) get(token string) (any, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.answers[token]
	if !ok || token == "" || time.Now().After(a.exp) {
		return nil, false
	}
	return a.page, true
}

// put keeps page as the answer to the form sent with token.
func (o *onceAnswers) put(token string, page any) {
	if token == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.answers == nil {
		o.answers = make(map[string]onceAnswer)
	}
	now := time.Now()
	for t, a := range o.answers {
		if now.After(a.exp) {
			delete(o.answers, t)
		}
	}
	for len(o.answers) >= maxOnce {
		oldest, at := "", time.Time{}
		for t, a := range o.answers {
			if oldest == "" || a.exp.Before(at) {
				oldest, at = t, a.exp
			}
		}
		delete(o.answers, oldest)
	}
	o.answers[token] = onceAnswer{page: page, exp: now.Add(onceTTL)}
}

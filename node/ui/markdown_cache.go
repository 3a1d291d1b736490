package ui

import (
	"container/list"
	"html/template"
	"sync"
)

// renderCache keeps the HTML of recently rendered texts, least recently
// used out first, within a budget of bytes (texts and their HTML).
type renderCache struct {
	mu      sync.Mutex
	budget  int
	size    int
	order   *list.List // of *rendering, most recent first
	byInput map[string]*list.Element
}

type rendering struct {
	text string
	html template.HTML
}

func newRenderCache(budget int) *renderCache {
	return &renderCache{budget: budget, order: list.New(), byInput: make(map[string]*list.Element)}
}

func (c *renderCache) get(text string) (template.HTML, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byInput[text]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(e)
	return e.Value.(*rendering).html, true
}

func (c *renderCache) put(text string, html template.HTML) {
	n := len(text) + len(html)
	if n > c.budget/8 {
		return // one page's worth would push out everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byInput[text]; ok {
		return
	}
	c.byInput[text] = c.order.PushFront(&rendering{text, html})
	c.size += n
	for c.size > c.budget {
		last := c.order.Back()
		r := c.order.Remove(last).(*rendering)
		delete(c.byInput, r.text)
		c.size -= len(r.text) + len(r.html)
	}
}

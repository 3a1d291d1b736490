package ui

import (
	"fmt"
	"testing"
	"time"
)

// TestExpiring: what the login codes and the invite form's answers are
// kept in: an entry serves until it expires (take: once), and a full map
// drops the entry that expires first.
func TestExpiring(t *testing.T) {
	e := expiring[int]{ttl: time.Hour, max: 3}
	e.put("a", 1)
	if v, ok := e.get("a"); !ok || v != 1 {
		t.Fatalf("get a: %d %v", v, ok)
	}
	if v, ok := e.take("a"); !ok || v != 1 {
		t.Fatalf("take a: %d %v", v, ok)
	}
	if _, ok := e.get("a"); ok {
		t.Error("a taken serves again")
	}
	for i := range 4 {
		e.put(fmt.Sprint("k", i), i)
		time.Sleep(time.Millisecond) // each expires after the one before
	}
	if _, ok := e.get("k0"); ok {
		t.Error("the oldest entry stayed in a full map")
	}
	if v, ok := e.get("k3"); !ok || v != 3 {
		t.Errorf("the newest entry: %d %v", v, ok)
	}
	if _, ok := e.get(""); ok {
		t.Error("the empty key found something")
	}
	short := expiring[int]{ttl: time.Millisecond, max: 3}
	short.put("x", 1)
	time.Sleep(5 * time.Millisecond)
	if _, ok := short.take("x"); ok {
		t.Error("an expired entry served")
	}
}

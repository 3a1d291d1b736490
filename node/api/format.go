package api

import (
	"fmt"

	"github.com/kith-network/kith/protocol"
)

// ByteSize writes a byte count for people: "26 B", "3.5 KiB", "50.0 MiB".
func ByteSize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Who names a member for people, the same in the CLI, the UI and text
// Kith writes: their display name with the start of their key (names are
// not unique, and anyone can take one), or the start of the key alone.
func Who(name string, k protocol.PublicKey) string {
	if name != "" {
		return fmt.Sprintf("%s (%.8s…)", name, k)
	}
	return fmt.Sprintf("%.12s…", k)
}

// kindWords are the record kinds whose protocol names are not what
// members call them.
var kindWords = map[string]string{
	"tombstone": "deletion", "react": "reaction", "rsvp": "answer to an event",
	"accept": "accepted answer", "role": "change of role", "device": "device record",
}

// KindWord is a record kind as members call it ("deletion" for a
// tombstone), for messages and lists.
func KindWord(kind string) string {
	if w, ok := kindWords[kind]; ok {
		return w
	}
	return kind
}

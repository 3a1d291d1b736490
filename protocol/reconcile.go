package protocol

import (
	"fmt"
	"math"
)

// Range-based set reconciliation, after Negentropy: two nodes find which
// records of a community one has and the other lacks, exchanging
// fingerprints of ranges of (created, id) positions rather than every id.
// A range whose fingerprints agree is done; one that differs is split into
// sub-ranges, or, once small, answered with the list of its ids. The cost
// is about log_B(N) round trips and O(d log N) bytes for d differences.
//
// The client (the side that starts) learns both what it lacks (Need) and
// what the server lacks (Have); the server only answers.

// MaxPosition is above every record's position: the open upper bound of
// the whole range. No real record sits at it.
var MaxPosition = Position{Created: math.MaxInt64, ID: maxID()}

func maxID() ID {
	var id ID
	for i := range id {
		id[i] = 0xff
	}
	return id
}

// MinimalBound returns the position p with prev < p <= next that costs the
// fewest bytes on the wire: next's time alone when the times differ, else
// just enough of next's id to tell it from prev's. Splitting a range at it
// puts prev below and next above, as splitting at next itself would.
func MinimalBound(prev, next Position) Position {
	if prev.Created != next.Created {
		return Position{Created: next.Created}
	}
	n := 0
	for n < len(next.ID)-1 && prev.ID[n] == next.ID[n] {
		n++
	}
	b := Position{Created: next.Created}
	copy(b.ID[:n+1], next.ID[:n+1])
	return b
}

// Set is one side's items: the positions of a community's records that
// take part in reconciliation, with range fingerprints answered fast.
type Set interface {
	// Fingerprint returns the fingerprint and count of the items in
	// [lower, upper).
	Fingerprint(lower, upper Position) (Fingerprint, uint64)
	// Range calls fn for the items in [lower, upper) in order, until fn
	// returns false.
	Range(lower, upper Position, fn func(Position) bool)
	// Split returns up to parts-1 increasing bounds in (lower, upper) that
	// cut it into ranges of about equal count; MinimalBound keeps them
	// short on the wire.
	Split(lower, upper Position, parts int) []Position
}

// Mode says what a range of a reconciliation message carries.
type Mode uint8

// Range modes.
const (
	ModeSkip        Mode = 0 // the range is settled
	ModeFingerprint Mode = 1 // the sender's fingerprint and count of the range
	ModeIDList      Mode = 2 // every id the sender has in the range
)

// Range is one range of a message. Ranges of a message are contiguous and
// in order: each starts where the previous ended (the first at the zero
// Position) and ends before Upper; the last ends at MaxPosition.
type Range struct {
	Upper       Position
	Mode        Mode
	Fingerprint Fingerprint // ModeFingerprint
	Count       uint64      // ModeFingerprint
	IDs         []Position  // ModeIDList, in order
}

// Message is one turn of a reconciliation.
type Message struct {
	Ranges []Range
}

// Limits on what a reconciliation message may hold, so that a hostile peer
// cannot make a node do unbounded work for one message.
const (
	MaxRanges        = 4096             // ranges in one message
	MaxListedIDs     = 100_000          // ids listed in one message, all ranges together
	reconcileBuckets = 16               // sub-ranges a differing range splits into
	idListThreshold  = 32               // ranges with fewer items are listed, not split
	listBudget       = MaxListedIDs / 2 // ids we list in one message
)

// Reconciler runs one side of a reconciliation over a Set.
type Reconciler struct {
	set    Set
	client bool
	// Need are the items the peer has and we lack (client only).
	Need []Position
	// Have are the items we have and the peer lacks (client only).
	Have []Position
	// Rounds counts the messages this side produced.
	Rounds int
}

// NewClient returns the side that starts a reconciliation and learns the
// differences.
func NewClient(set Set) *Reconciler { return &Reconciler{set: set, client: true} }

// NewServer returns the side that answers.
func NewServer(set Set) *Reconciler { return &Reconciler{set: set} }

// Initiate returns the client's first message.
func (r *Reconciler) Initiate() Message {
	r.Rounds++
	var out Message
	extra := MaxRanges - 1
	r.describe(&out, Position{}, MaxPosition, &extra)
	return out
}

// Process answers a peer's message. done reports that the reconciliation
// is complete: out is empty and nothing more needs to be sent.
func (r *Reconciler) Process(in Message) (out Message, done bool, err error) {
	if err := in.check(); err != nil {
		return Message{}, false, err
	}
	// Every range received yields at least one range in the answer; extra
	// is how many more the answer may hold, to stay within MaxRanges.
	extra := MaxRanges - len(in.Ranges)
	lower := Position{}
	for _, rg := range in.Ranges {
		switch rg.Mode {
		case ModeSkip:
			out.skip(rg.Upper)
		case ModeFingerprint:
			fp, count := r.set.Fingerprint(lower, rg.Upper)
			if fp == rg.Fingerprint && count == rg.Count {
				out.skip(rg.Upper)
			} else {
				r.describe(&out, lower, rg.Upper, &extra)
			}
		case ModeIDList:
			if r.client {
				r.compare(lower, rg.Upper, rg.IDs)
				out.skip(rg.Upper)
			} else {
				// The client decides; give it our side of the range.
				r.list(&out, lower, rg.Upper, &extra)
			}
		}
		lower = rg.Upper
	}
	if out.settled() {
		return Message{}, true, nil
	}
	r.Rounds++
	return out, false, nil
}

// describe adds ranges covering [lower, upper) that tell the peer what we
// hold there: the id list when it is short, else fingerprints of about
// equal sub-ranges. Once a message nears MaxRanges, a range is described
// by one fingerprint instead, for the peer to split in a later round: the
// message stays within the limit and every round still settles ranges.
// extra is how many ranges beyond one this range may still take.
func (r *Reconciler) describe(out *Message, lower, upper Position, extra *int) {
	fp, count := r.set.Fingerprint(lower, upper)
	if count < idListThreshold {
		out.Ranges = append(out.Ranges, Range{Upper: upper, Mode: ModeIDList, IDs: r.items(lower, upper)})
		return
	}
	if *extra < reconcileBuckets-1 {
		out.Ranges = append(out.Ranges, Range{Upper: upper, Mode: ModeFingerprint, Fingerprint: fp, Count: count})
		return
	}
	bounds := append(r.set.Split(lower, upper, reconcileBuckets), upper)
	*extra -= len(bounds) - 1
	from := lower
	for _, b := range bounds {
		fp, n := r.set.Fingerprint(from, b)
		out.Ranges = append(out.Ranges, Range{Upper: b, Mode: ModeFingerprint, Fingerprint: fp, Count: n})
		from = b
	}
}

// list answers a client's id list with ours, at most listBudget ids a
// message: past that, the rest of the range goes back as a fingerprint,
// which the client answers with its list of that rest in the next round.
// So a fresh node can sync a community of any size in bounded messages.
func (r *Reconciler) list(out *Message, lower, upper Position, extra *int) {
	listed := 0
	for _, rg := range out.Ranges {
		listed += len(rg.IDs)
	}
	room := max(listBudget-listed, 1)
	var ids []Position
	var cut Position
	more := false
	r.set.Range(lower, upper, func(p Position) bool {
		if len(ids) == room {
			cut, more = MinimalBound(ids[len(ids)-1], p), true
			return false
		}
		ids = append(ids, p)
		return true
	})
	if !more {
		out.Ranges = append(out.Ranges, Range{Upper: upper, Mode: ModeIDList, IDs: ids})
		return
	}
	if *extra < 1 {
		// No room to cut the range: all of it as a fingerprint, for the
		// client to list again next round.
		fp, count := r.set.Fingerprint(lower, upper)
		out.Ranges = append(out.Ranges, Range{Upper: upper, Mode: ModeFingerprint, Fingerprint: fp, Count: count})
		return
	}
	*extra--
	fp, count := r.set.Fingerprint(cut, upper)
	out.Ranges = append(out.Ranges,
		Range{Upper: cut, Mode: ModeIDList, IDs: ids},
		Range{Upper: upper, Mode: ModeFingerprint, Fingerprint: fp, Count: count})
}

func (r *Reconciler) items(lower, upper Position) []Position {
	var ids []Position
	r.set.Range(lower, upper, func(p Position) bool {
		ids = append(ids, p)
		return true
	})
	return ids
}

// compare records the differences in one range between our items and the
// peer's list (both in order).
func (r *Reconciler) compare(lower, upper Position, theirs []Position) {
	ours := r.items(lower, upper)
	i, j := 0, 0
	for i < len(ours) || j < len(theirs) {
		switch {
		case j == len(theirs) || (i < len(ours) && ours[i].Compare(theirs[j]) < 0):
			r.Have = append(r.Have, ours[i])
			i++
		case i == len(ours) || ours[i].Compare(theirs[j]) > 0:
			r.Need = append(r.Need, theirs[j])
			j++
		default:
			i++
			j++
		}
	}
}

// skip adds a settled range, merging it with a settled range before it.
func (m *Message) skip(upper Position) {
	if n := len(m.Ranges); n > 0 && m.Ranges[n-1].Mode == ModeSkip {
		m.Ranges[n-1].Upper = upper
		return
	}
	m.Ranges = append(m.Ranges, Range{Upper: upper, Mode: ModeSkip})
}

func (m *Message) settled() bool {
	for _, rg := range m.Ranges {
		if rg.Mode != ModeSkip {
			return false
		}
	}
	return true
}

// check refuses a message that does not cover the whole range in order,
// or holds more than the limits allow.
func (m *Message) check() error {
	if len(m.Ranges) == 0 || len(m.Ranges) > MaxRanges {
		return fmt.Errorf("reconciliation message has %d ranges, want 1 to %d", len(m.Ranges), MaxRanges)
	}
	lower, listed := Position{}, 0
	for i, rg := range m.Ranges {
		if rg.Upper.Compare(lower) <= 0 {
			return fmt.Errorf("reconciliation range %d does not end after the previous one", i)
		}
		switch rg.Mode {
		case ModeSkip, ModeFingerprint:
		case ModeIDList:
			listed += len(rg.IDs)
			if listed > MaxListedIDs {
				return fmt.Errorf("reconciliation message lists more than %d ids", MaxListedIDs)
			}
			for k, p := range rg.IDs {
				if p.Compare(lower) < 0 || p.Compare(rg.Upper) >= 0 || (k > 0 && p.Compare(rg.IDs[k-1]) <= 0) {
					return fmt.Errorf("reconciliation range %d lists ids out of order or out of range", i)
				}
			}
		default:
			return fmt.Errorf("reconciliation range %d has unknown mode %d", i, rg.Mode)
		}
		lower = rg.Upper
	}
	if lower != MaxPosition {
		return fmt.Errorf("reconciliation message does not cover the whole range")
	}
	return nil
}

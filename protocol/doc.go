// Package protocol defines Kith's signed records and the rules that turn a
// set of them into a community's state.
//
// Everything a member writes is a [Record]: a [Header] that names its kind,
// community, author, creation time and references, a typed body bound to the
// header by its SHA-256 hash, and an Ed25519 signature by the author's member
// key over the record's [ID]. Because the signature covers only the header,
// a body can be purged (after a tombstone) while the header still verifies
// and still takes part in set reconciliation.
//
// The package is pure: no network, no disk, no clock. Callers pass the time
// where a rule needs it, so every node given the same records reaches the
// same answer. [Validate] is the one gate every record passes before it is
// stored, whatever its source; [Evaluate] is the one definition of what a set
// of valid records means (members, roles, pending authors, note heads,
// accepted answers, deletions).
package protocol

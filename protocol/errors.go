package protocol

import (
	"errors"
	"fmt"
)

// Rule names one validation rule. Every way a record can be refused maps
// to exactly one Rule, so callers (metrics, logs, peer scoring) can count
// refusals by reason.
type Rule string

// The validation rules, in the order Validate checks them.
const (
	RuleEncoding   Rule = "encoding"    // the bytes are not a well-formed record envelope
	RuleCanonical  Rule = "canonical"   // header or body is not in canonical CBOR form
	RuleVersion    Rule = "version"     // unknown record format version
	RuleKind       Rule = "kind"        // unknown record kind
	RuleCommunity  Rule = "community"   // community id missing, or present on a genesis record
	RuleAuthor     Rule = "author"      // author key missing
	RuleCreated    Rule = "created"     // created time before the epoch or too far in the future
	RuleReference  Rule = "reference"   // a reference the kind needs is missing, or one it forbids is present
	RuleBodyLength Rule = "body-length" // body larger than the limit or than the header says
	RuleBodyHash   Rule = "body-hash"   // body does not match the hash in the header
	RuleBody       Rule = "body"        // body does not decode as the kind's body
	RuleSignature  Rule = "signature"   // signature missing or not valid for the author's key
	RuleTitle      Rule = "title"       // title empty or too long
	RuleTags       Rule = "tags"        // too many tags, or a tag too long or malformed
	RuleText       Rule = "text"        // a text field too long or with forbidden characters
	RuleField      Rule = "field"       // a field outside its allowed values
	RuleInvite     Rule = "invite"      // invite proof in a join does not verify
	RuleAttachment Rule = "attachment"  // an attachment's hash, size, name or media type is malformed
)

// Error is a record refused by one validation rule. Detail says what
// exactly was wrong, for the person reading a log.
type Error struct {
	Rule   Rule
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "invalid record: " + string(e.Rule)
	}
	return "invalid record: " + string(e.Rule) + ": " + e.Detail
}

// Is makes errors.Is(err, ErrSignature) and the like match any Error of the
// same rule, whatever its detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Rule == e.Rule && t.Detail == ""
}

// RuleUnknown is what RuleOf says of an error that is no validation
// error (a failed read, say).
const RuleUnknown Rule = "unknown"

// RuleOf returns the rule an error broke, or RuleUnknown.
func RuleOf(err error) Rule {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	return RuleUnknown
}

// Sentinels for errors.Is, one per rule.
var (
	ErrEncoding   = &Error{Rule: RuleEncoding}
	ErrCanonical  = &Error{Rule: RuleCanonical}
	ErrVersion    = &Error{Rule: RuleVersion}
	ErrKind       = &Error{Rule: RuleKind}
	ErrCommunity  = &Error{Rule: RuleCommunity}
	ErrAuthor     = &Error{Rule: RuleAuthor}
	ErrCreated    = &Error{Rule: RuleCreated}
	ErrReference  = &Error{Rule: RuleReference}
	ErrBodyLength = &Error{Rule: RuleBodyLength}
	ErrBodyHash   = &Error{Rule: RuleBodyHash}
	ErrBody       = &Error{Rule: RuleBody}
	ErrSignature  = &Error{Rule: RuleSignature}
	ErrTitle      = &Error{Rule: RuleTitle}
	ErrTags       = &Error{Rule: RuleTags}
	ErrText       = &Error{Rule: RuleText}
	ErrField      = &Error{Rule: RuleField}
	ErrInvite     = &Error{Rule: RuleInvite}
	ErrAttachment = &Error{Rule: RuleAttachment}
)

func fail(rule Rule, format string, args ...any) *Error {
	return &Error{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

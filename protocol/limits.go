package protocol

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits every record must respect, from whatever source it comes.
const (
	MaxBodyBytes   = 64 << 10             // encoded body
	MaxRecordBytes = MaxBodyBytes + 4<<10 // whole encoded record: body plus header and signature
	MaxTitleRunes  = 200                  // post, note and event titles
	MaxTags        = 16                   // tags on one record
	MaxTagRunes    = 64                   // one tag
	MaxNameRunes   = 100                  // community, display and device names
	MaxLineRunes   = 500                  // one-line fields: domain, organisation, place, reason
	MaxLinkBytes   = 2000                 // an event's link
	MaxParents     = 16                   // revisions one note revision may follow
	MaxFuture      = 10 * time.Minute     // how far ahead of the validator's clock "created" may be
	MaxPeerIDBytes = 128                  // a libp2p peer id in a device record
	maxInviteUses  = 10000                // uses one invite may allow
	tagPunctuation = "-_.+#"              // allowed in tags besides letters and digits
)

// checkLine checks a one-line field: at most max runes, no control or
// bidirectional-override characters (which let a hostile name disguise
// itself). Empty is allowed; callers that need a value check it themselves.
func checkLine(field, s string, max int) *Error {
	if !utf8.ValidString(s) {
		return fail(RuleText, "%s is not valid UTF-8 text", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fail(RuleText, "%s is %d characters, the limit is %d", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) {
			return fail(RuleText, "%s contains the control character %U", field, r)
		}
	}
	return nil
}

// checkText checks a multi-line Markdown field: line breaks and tabs are
// fine, other control characters are not. Its length is bounded by the body
// limit. It runs on every body received, so ASCII takes a fast path.
func checkText(field, s string) *Error {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f {
				return fail(RuleText, "%s contains the control character %U", field, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fail(RuleText, "%s is not valid UTF-8 text", field)
		}
		if unicode.IsControl(r) || isBidiControl(r) {
			return fail(RuleText, "%s contains the control character %U", field, r)
		}
		i += size
	}
	return nil
}

func checkTitle(title string) *Error {
	if strings.TrimSpace(title) == "" {
		return fail(RuleTitle, "title is empty")
	}
	if n := utf8.RuneCountInString(title); n > MaxTitleRunes {
		return fail(RuleTitle, "title is %d characters, the limit is %d", n, MaxTitleRunes)
	}
	if err := checkLine("title", title, MaxTitleRunes); err != nil {
		return fail(RuleTitle, "%s", err.Detail)
	}
	return nil
}

// checkTags enforces the tag rules: at most MaxTags, each a normalized tag
// (see NormalizeTag) of at most MaxTagRunes, no duplicates. Requiring the
// normalized form means every node indexes a tag under one spelling.
func checkTags(field string, tags []string) *Error {
	if len(tags) > MaxTags {
		return fail(RuleTags, "%d %s, the limit is %d", len(tags), field, MaxTags)
	}
	one := strings.TrimSuffix(field, "s") // "tag", "expertise tag": one of them
	for i, t := range tags {
		if t == "" {
			return fail(RuleTags, "%s %d is empty", one, i+1)
		}
		if !utf8.ValidString(t) {
			return fail(RuleTags, "%s %d is not valid UTF-8 text", one, i+1)
		}
		if n := utf8.RuneCountInString(t); n > MaxTagRunes {
			return fail(RuleTags, "%s %q is %d characters, the limit is %d", one, t, n, MaxTagRunes)
		}
		if NormalizeTag(t) != t {
			return fail(RuleTags, "%s %q is not normalized (want %q)", one, t, NormalizeTag(t))
		}
		for _, prev := range tags[:i] {
			if prev == t {
				return fail(RuleTags, "%s %q appears twice", one, t)
			}
		}
	}
	return nil
}

// NormalizeTag returns the one spelling of a tag that records may carry:
// lowercase letters and digits, runs of anything else folded into a single
// '-' (except the punctuation "-_.+#", kept so that "c++" and "c#" survive),
// no leading or trailing '-'. It returns "" for a tag with nothing left.
func NormalizeTag(tag string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(tag) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (r != '-' && strings.ContainsRune(tagPunctuation, r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// CheckName checks a display, community or device name as records require
// it: at most MaxNameRunes characters, no control or bidirectional-override
// characters. Callers outside this package use it to refuse a bad name
// before it is signed or saved.
func CheckName(name string) error {
	if !utf8.ValidString(name) {
		return fail(RuleText, "name is not valid UTF-8")
	}
	if err := checkLine("name", name, MaxNameRunes); err != nil {
		return err
	}
	return nil
}

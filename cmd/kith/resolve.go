package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// shortDigits is how many digits of an id lists show: enough that two
// records of one node share them about never (48 bits), and any command
// takes them back (resolveIDs).
const shortDigits = 12

// short returns the first shortDigits of an id or a key, as lists print
// it.
func short(id fmt.Stringer) string { return id.String()[:shortDigits] }

// resolveIDs reads command arguments as ids of records on the node: each
// whole, or its first digits (at least 4) if only one record there has
// an id that starts with them, as Git takes the first digits of a commit.
func resolveIDs(ctx context.Context, cl *client.Client, args []string) ([]protocol.ID, error) {
	ids := make([]protocol.ID, len(args))
	for i, a := range args {
		var err error
		if ids[i], err = resolve(ctx, cl, a, false); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// resolveID is resolveIDs for one argument.
func resolveID(ctx context.Context, cl *client.Client, arg string) (protocol.ID, error) {
	return resolve(ctx, cl, arg, false)
}

// resolveFile reads an argument as the hash of a file, whole or its first
// digits.
func resolveFile(ctx context.Context, cl *client.Client, arg string) (protocol.ID, error) {
	return resolve(ctx, cl, arg, true)
}

func resolve(ctx context.Context, cl *client.Client, arg string, file bool) (protocol.ID, error) {
	noun := "record"
	if file {
		noun = "file"
	}
	if err := checkDigits(arg, noun+" id"); err != nil {
		return protocol.ID{}, err
	}
	if len(arg) == 2*len(protocol.ID{}) {
		return protocol.ParseID(arg)
	}
	matches, err := cl.Resolve(ctx, arg)
	if err != nil {
		return protocol.ID{}, err
	}
	var keep []api.Match
	for _, m := range matches {
		if (m.What == "file") == file {
			keep = append(keep, m)
		}
	}
	switch len(keep) {
	case 0:
		// Only what is shown is matched by its first digits (records
		// deleted, or set aside as their author's were refused, are not:
		// a stranger's could make short ids ambiguous): say so, since the
		// whole id still finds them.
		return protocol.ID{}, fmt.Errorf("no %s on this node has an id starting with %s (among those shown: give the whole id of a record deleted or set aside)", noun, arg)
	case 1:
		return keep[0].ID, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is ambiguous: ", arg)
	if len(keep) == api.MaxMatches {
		fmt.Fprintf(&b, "at least ")
	}
	fmt.Fprintf(&b, "%d %ss here start with it; give more digits:", len(keep), noun)
	for _, m := range keep {
		fmt.Fprintf(&b, "\n  %s  %s", m.ID, m.What)
		if m.Title != "" {
			fmt.Fprintf(&b, "  %s", oneLine(m.Title))
		}
	}
	return protocol.ID{}, fmt.Errorf("%s", b.String())
}

// checkDigits refuses an argument that can be neither a whole id or key
// (64 hex digits) nor its first digits; what names what was expected.
func checkDigits(arg, what string) error {
	whole := 2 * len(protocol.ID{})
	if arg == "" || len(arg) > whole || strings.Trim(strings.ToLower(arg), "0123456789abcdef") != "" {
		return fmt.Errorf("%q is not a %s: give its %d hex digits, or its first few (at least 4)", arg, what, whole)
	}
	return nil
}

// memberKeyArg checks an argument that names a member by key: done with
// the key if the argument is a whole one, or with an error if it is no
// key or too short a start of one; not done for digits to look up.
func memberKeyArg(arg string) (key protocol.PublicKey, done bool, err error) {
	if err := checkDigits(arg, "member key"); err != nil {
		return key, true, err
	}
	if len(arg) == 2*len(protocol.PublicKey{}) {
		key, err = protocol.ParsePublicKey(arg)
		return key, true, err
	}
	if len(arg) < 4 {
		return key, true, fmt.Errorf("%q is too short: give at least 4 digits of a member's key", arg)
	}
	return key, false, nil
}

// resolveMember reads an argument as the key of one of a community's
// members (pending and removed ones included): whole, or its first digits
// (at least 4) if only one member's key starts with them. Someone the
// community has never seen is named by their whole key.
func resolveMember(ctx context.Context, cl *client.Client, community protocol.ID, arg string) (protocol.PublicKey, error) {
	if key, done, err := memberKeyArg(arg); done {
		return key, err
	}
	members, err := allMembers(ctx, cl, community)
	if err != nil {
		return protocol.PublicKey{}, err
	}
	none := fmt.Sprintf("no member of community %s has a key starting with %s (to name someone new, give their whole key)", short(community), arg)
	m, err := onePrefixed(arg, none, "members' keys", members, func(m api.Member) string { return m.Key.String() },
		func(m api.Member) string { return fmt.Sprintf("%s  %s%s", m.Key, m.Standing, nameAfter(m.Name)) })
	return m.Key, err
}

// onePrefixed returns the one of items whose id starts with the digits
// arg gives; with none, an error saying none, and with several, one that
// lists them (what they are, and each as line says it).
func onePrefixed[T any](arg, none, what string, items []T, id, line func(T) string) (T, error) {
	prefix := strings.ToLower(arg)
	var keep []T
	for _, it := range items {
		if strings.HasPrefix(id(it), prefix) {
			keep = append(keep, it)
		}
	}
	var zero T
	switch len(keep) {
	case 0:
		return zero, errors.New(none)
	case 1:
		return keep[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is ambiguous: %d %s start with it; give more digits:", arg, len(keep), what)
	for _, it := range keep {
		fmt.Fprintf(&b, "\n  %s", line(it))
	}
	return zero, errors.New(b.String())
}

// nameAfter is a name to follow an id in a list: two spaces and the name
// on one line, or nothing.
func nameAfter(name string) string {
	if name == "" {
		return ""
	}
	return "  " + oneLine(name)
}

// resolveCommunity reads an argument as the id of a community this node
// holds, whole or its first digits (at least 4). Only communities count:
// with tens of thousands of records, the first 4 or 5 digits of a
// community's id often start some record's id too, which made them
// "ambiguous".
func resolveCommunity(ctx context.Context, cl *client.Client, arg string) (protocol.ID, error) {
	if err := checkDigits(arg, "community id"); err != nil {
		return protocol.ID{}, err
	}
	if len(arg) == 2*len(protocol.ID{}) {
		return protocol.ParseID(arg)
	}
	if len(arg) < 4 {
		return protocol.ID{}, fmt.Errorf("%q is too short: give at least 4 digits of a community id", arg)
	}
	cs, err := cl.Communities(ctx)
	if err != nil {
		return protocol.ID{}, fmt.Errorf("list communities: %w", err)
	}
	none := fmt.Sprintf("no community this node holds has an id starting with %s (kith community list shows them)", arg)
	c, err := onePrefixed(arg, none, "communities here", cs, func(c api.Community) string { return c.ID.String() },
		func(c api.Community) string { return c.ID.String() + nameAfter(c.Name) })
	return c.ID, err
}

// resolveCommunityArgs is resolveIDs for arguments of which the first
// names a community (resolveCommunity) and the rest records.
func resolveCommunityArgs(ctx context.Context, cl *client.Client, args []string) ([]protocol.ID, error) {
	if len(args) == 0 {
		return nil, nil
	}
	first, err := resolveCommunity(ctx, cl, args[0])
	if err != nil {
		return nil, err
	}
	rest, err := resolveIDs(ctx, cl, args[1:])
	return append([]protocol.ID{first}, rest...), err
}

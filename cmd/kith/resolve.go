package main

import (
	"context"
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

// short returns the first shortDigits of id, as lists print it.
func short(id protocol.ID) string { return id.String()[:shortDigits] }

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
	whole := 2 * len(protocol.ID{})
	if arg == "" || len(arg) > whole || strings.Trim(strings.ToLower(arg), "0123456789abcdef") != "" {
		return protocol.ID{}, fmt.Errorf("%q is not a %s id: give its %d hex digits, or its first few (at least 4)", arg, noun, whole)
	}
	if len(arg) == whole {
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
		return protocol.ID{}, fmt.Errorf("no %s on this node has an id starting with %s", noun, arg)
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

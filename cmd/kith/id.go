package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/home"
)

// idResult is the public side of an identity, as `kith id` and `kith init`
// print it.
type idResult struct {
	MemberKey string `json:"member_key"`
	PeerID    string `json:"peer_id"`
}

// newIDResult describes id.
func newIDResult(id *home.Identity) (idResult, error) {
	pid, err := id.PeerID()
	if err != nil {
		return idResult{}, err
	}
	return idResult{MemberKey: id.MemberKey().String(), PeerID: pid.String()}, nil
}

// print writes r as labelled lines.
func (r idResult) print(w io.Writer) {
	fmt.Fprintf(w, "member key: %s\npeer id:    %s\n", r.MemberKey, r.PeerID)
}

// idCmd is `kith id`: show this node's member key and peer id.
func (c *cli) idCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "id",
		Short: "Show your member key and this node's peer id",
		Args:  noArgs,
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		id, err := h.Open()
		if err != nil {
			return err
		}
		r, err := newIDResult(id)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), r)
		}
		r.print(cmd.OutOrStdout())
		return nil
	}
	return cmd
}

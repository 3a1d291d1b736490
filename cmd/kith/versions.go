package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
)

func (c *cli) postVersionsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "versions ID", Short: "Show every version of a post, reply or event, each with what it changed", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		id, err := resolveID(ctx, cl, args[0])
		if err != nil {
			return err
		}
		v, err := cl.Versions(ctx, id)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, v)
		}
		for i, item := range v.Items {
			label := fmt.Sprintf("version %d", i+1)
			switch {
			case i == 0:
				label = "first version"
			case i == len(v.Items)-1:
				label = "current version"
			}
			fmt.Fprintf(out, "== %s, %s (%s)\n", label, time.UnixMilli(item.Created).Format("2006-01-02 15:04"), short(item.ID))
			var prev api.Version
			if i > 0 {
				prev = v.Items[i-1]
			}
			for _, ch := range item.Changes(prev, eventTime) {
				switch {
				case ch.Was == "":
					fmt.Fprintf(out, "%s: %s\n", ch.Field, termText(ch.Now))
				case ch.Now == "":
					fmt.Fprintf(out, "%s: none (was %s)\n", ch.Field, termText(ch.Was))
				default:
					fmt.Fprintf(out, "%s: %s (was %s)\n", ch.Field, termText(ch.Now), termText(ch.Was))
				}
			}
			printDiffLines(out, item.Lines)
		}
		if len(v.Items) == 1 {
			fmt.Fprintf(cmd.ErrOrStderr(), "(its author has not edited this %s)\n", v.Kind)
		}
		return nil
	})
	return cmd
}

// printDiffLines prints a diff's lines, each after its op (" ", "-",
// "+"). A carriage return would send the terminal back over the line
// (termText): in a diff, where lines are what is compared, it is shown
// as one.
func printDiffLines(w io.Writer, lines []api.DiffLine) {
	for _, l := range lines {
		fmt.Fprintf(w, "%s%s\n", l.Op, strings.ReplaceAll(l.Text, "\r", "␍"))
	}
}

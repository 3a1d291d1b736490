package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/protocol"
)

// The people commands: profile, members, experts.

func (c *cli) profileCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "profile", Short: "Say who you are to your communities"}
	cmd.AddCommand(c.profileSetCmd(), c.profileShowCmd())
	return cmd
}

// profileSetCmd publishes the profile: the flags given over the current
// profile, so that changing one field keeps the others.
func (c *cli) profileSetCmd() *cobra.Command {
	set := &cobra.Command{Use: "set", Short: "Publish your profile in every community you are a member of (fields not given are kept)", Args: noArgs}
	var given api.ProfileRequest
	var expertise string
	set.Flags().StringVar(&given.Name, "name", "", "your display `name` (needed the first time)")
	set.Flags().StringVar(&given.Org, "org", "", "your `organisation`")
	set.Flags().StringVar(&expertise, "expertise", "", "what you know about, as comma-separated `tags`")
	set.Flags().StringVar(&given.Bio, "bio", "", "a few words about you (Markdown); - reads standard input")
	asJSON := addJSONFlag(set)
	set.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		req, err := cl.Profile(ctx)
		if err != nil && !client.NotFound(err) {
			return err
		}
		changed := cmd.Flags().Changed
		if !changed("name") && !changed("org") && !changed("expertise") && !changed("bio") {
			return fmt.Errorf("give what to change: --name, --org, --expertise or --bio")
		}
		if changed("name") {
			if strings.TrimSpace(given.Name) == "" {
				return fmt.Errorf("a profile needs a name: --name cannot be empty")
			}
			req.Name = given.Name
		}
		if req.Name == "" {
			return fmt.Errorf("your first profile needs a --name")
		}
		if changed("org") {
			req.Org = given.Org
		}
		if changed("expertise") {
			req.Expertise = []string{}
			for _, t := range strings.Split(expertise, ",") {
				if t = strings.TrimSpace(t); t != "" {
					req.Expertise = append(req.Expertise, t)
				}
			}
		}
		if changed("bio") {
			if req.Bio, err = c.readBody(given.Bio); err != nil {
				return err
			}
		}
		ans, err := cl.SetProfile(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), ans)
		}
		if ans.Kept {
			fmt.Fprintln(cmd.OutOrStdout(), "profile kept: you are in no community yet; it is published in the first one you create or join")
		} else {
			fmt.Fprintf(cmd.OutOrStdout(), "profile published in %s\n", count(len(ans.Communities), "community"))
		}
		return nil
	})
	return set
}

func (c *cli) profileShowCmd() *cobra.Command {
	show := &cobra.Command{Use: "show", Short: "Show your current profile", Args: noArgs}
	asJSON := addJSONFlag(show)
	show.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, _ []string) error {
		p, err := cl.Profile(ctx)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, p)
		}
		fmt.Fprintf(out, "name:         %s\norganisation: %s\nexpertise:    %s\n", p.Name, p.Org, strings.Join(p.Expertise, ", "))
		if p.Bio != "" {
			fmt.Fprintf(out, "\n%s\n", termText(p.Bio))
		}
		return nil
	})
	return show
}

func (c *cli) membersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "members COMMUNITY_ID", Short: "List a community's members with their roles and expertise", Args: exactArgs(1)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args)
		if err != nil {
			return err
		}
		items, err := allMembers(ctx, cl, ids[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), items)
		}
		tw := newTable(cmd.OutOrStdout())
		fmt.Fprintln(tw, "MEMBER\tROLE\tNAME\tORGANISATION\tEXPERTISE")
		for _, m := range items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", short(m.Key), m.Standing, m.Name, m.Org, strings.Join(m.Expertise, ", "))
		}
		return tw.Flush()
	})
	return cmd
}

func (c *cli) expertsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "experts COMMUNITY_ID TAG", Short: "Who knows about a topic, ranked by evidence: accepted answers, declared expertise, helpful reactions", Args: exactArgs(2)}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = c.remote(func(ctx context.Context, cl *client.Client, cmd *cobra.Command, args []string) error {
		ids, err := resolveCommunityArgs(ctx, cl, args[:1])
		if err != nil {
			return err
		}
		es, err := cl.Experts(ctx, ids[0], args[1])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if *asJSON {
			return printJSON(out, es)
		}
		if len(es) == 0 {
			fmt.Fprintf(out, "nobody has shown knowing about %q yet\n", args[1])
			return nil
		}
		tw := newTable(out)
		fmt.Fprintln(tw, "SCORE\tNAME\tMEMBER\tACCEPTED\tHELPFUL\tDECLARED")
		for _, e := range es {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%v\n", e.Score, e.Name, short(e.Key), e.Accepted, e.Helpful, e.Declared)
		}
		return tw.Flush()
	})
	return cmd
}

// allMembers lists every member of a community, page after page.
func allMembers(ctx context.Context, cl *client.Client, community protocol.ID) ([]api.Member, error) {
	return collect(func(cursor string, limit int) ([]api.Member, string, error) {
		page, err := cl.Members(ctx, community, cursor, limit)
		return page.Items, page.Next, err
	})
}

// authorNames returns the display names of a community's members who
// published a profile, so that commands can say who wrote what. A failure
// only means keys are shown instead.
func authorNames(ctx context.Context, cl *client.Client, community protocol.ID) map[protocol.PublicKey]string {
	names := make(map[protocol.PublicKey]string)
	for cursor := ""; ; {
		page, err := cl.Members(ctx, community, cursor, 500)
		if err != nil {
			return names
		}
		for _, m := range page.Items {
			if m.Name != "" {
				names[m.Key] = m.Name
			}
		}
		if cursor = page.Next; cursor == "" {
			return names
		}
	}
}

// who names an author for people (api.Who), by the names of a community.
func who(names map[protocol.PublicKey]string, k protocol.PublicKey) string {
	return api.Who(names[k], k)
}

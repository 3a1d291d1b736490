package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/home"
)

// configCmd is `kith config`: the node's configuration file, read
// directly (the daemon need not run).
func (c *cli) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show the node's configuration and where its file is"}
	cmd.AddCommand(c.configShowCmd(), c.configPathCmd())
	return cmd
}

// configView is what `kith config show` prints. It is made of a
// home.Config, which holds no secret, and paths; never of the contents of
// files, so no key or token can appear in it.
type configView struct {
	Home    string                       `json:"home"`
	File    string                       `json:"file"`
	Exists  bool                         `json:"file_exists"`
	Config  home.Config                  `json:"config"`
	Sources map[string]home.ConfigSource `json:"sources"` // by key: default or file
}

func (c *cli) configShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the configuration the daemon starts with: the file over the defaults, and where each value came from (flags given to `kith daemon` win over it)",
		Long: "show prints the home's config.toml merged with the defaults, marking each\n" +
			"setting with where its value came from (file or default). A flag given to\n" +
			"`kith daemon` wins over these (--bootstrap adds to the list). A file with an\n" +
			"unknown setting or a bad value is an error, so show also checks the file.\n" +
			"It prints settings only, never keys or the API token.",
		Args: noArgs,
	}
	asJSON := addJSONFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		info, err := h.ReadConfig()
		if err != nil {
			return err
		}
		v := configView{Home: h.Dir, File: info.Path, Exists: info.Exists, Config: info.Config, Sources: info.Sources}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), v)
		}
		return v.print(cmd.OutOrStdout())
	}
	return cmd
}

// print writes v as TOML settings, each with a comment saying where its
// value came from, under the home and file paths.
func (v configView) print(w io.Writer) error {
	fmt.Fprintf(w, "# home: %s\n# file: %s\n", v.Home, v.File)
	if !v.Exists {
		fmt.Fprintln(w, "# (no file yet: the daemon writes one on its first run; these are the defaults)")
	}
	fmt.Fprintln(w, "# flags given to `kith daemon` win over these settings (--bootstrap adds to its list)")
	fmt.Fprintln(w)
	tw := &table{out: w, padding: 1}
	for _, s := range v.Config.Settings() {
		line, err := toml.Marshal(map[string]any{s.Key: s.Value})
		if err != nil {
			return fmt.Errorf("encode %s: %w", s.Key, err)
		}
		key, value, _ := strings.Cut(strings.TrimSuffix(string(line), "\n"), " = ")
		fmt.Fprintf(tw, "%s\t= %s\t # %s\n", key, value, v.Sources[s.Key])
	}
	return tw.Flush()
}

func (c *cli) configPathCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "path", Short: "Print the path of the config file (it may not exist yet)", Args: noArgs}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), h.ConfigPath())
		return nil
	}
	return cmd
}

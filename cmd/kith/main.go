// Command kith runs and manages a Kith node: a member's daemon in the Kith
// peer-to-peer knowledge-sharing network.
//
// The command is a thin layer over the node packages; see `kith help`.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/gologshim"
	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/home"
	"github.com/kith-network/kith/store"
)

func main() {
	quietLibp2p()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// quietLibp2p drops go-libp2p's own log lines (a format of their own on
// stderr, and for failures the node reports itself, with context: three
// lines of its dependency injection's errors before "the listen port is
// taken"), unless GOLOG_LOG_LEVEL asks for them, as libp2p documents.
func quietLibp2p() {
	if os.Getenv("GOLOG_LOG_LEVEL") == "" {
		gologshim.SetDefaultHandler(slog.DiscardHandler)
	}
}

// cli holds the state shared by the commands of one run.
type cli struct {
	homeDir    string // the --home flag
	defaultErr error  // why home.DefaultDir failed, if it did
	started    bool   // set once a command has been accepted and starts running
	typed      string // text read from standard input, saved as a draft if the command fails
}

// run executes the command line args and returns the exit status. Errors
// are printed to stderr as "kith: <message>"; usage errors also get a hint
// pointing at --help.
func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{}
	root := c.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "kith: %v\n", err)
	if errors.Is(err, store.ErrDamaged) {
		fmt.Fprintln(stderr, store.DamagedAdvice)
	}
	if c.typed != "" {
		c.saveDraft(stderr)
	}
	// Cobra resolves the command, parses flags and checks arguments before
	// the pre-run hook runs, so an error before it is a usage error.
	if !c.started {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return 1
}

// rootCmd builds the command tree.
func (c *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kith",
		Short: "Run and manage a Kith node",
		Long: "kith runs and manages a Kith node: your daemon in the Kith peer-to-peer\n" +
			"knowledge-sharing network. Start with `kith init`.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(*cobra.Command, []string) {
			c.started = true
		},
	}
	var def string
	def, c.defaultErr = home.DefaultDir()
	root.PersistentFlags().StringVar(&c.homeDir, "home", def,
		"node home `directory`; $KITH_HOME sets the default")
	root.AddCommand(c.attachmentCmd(), c.logsCmd(), c.searchCmd(), c.exportCmd(), c.importCmd(), c.initCmd(), c.idCmd(), versionCmd(), c.daemonCmd(), c.statusCmd(), c.peersCmd(), c.connectCmd(),
		c.communityCmd(), c.postCmd(), c.noteCmd(), c.reactCmd(), c.profileCmd(), c.membersCmd(), c.expertsCmd(), c.eventCmd(), c.memberCmd(), c.deviceCmd(), c.identityCmd(), c.uiCmd(), c.benchCmd(), c.checkCmd(), c.demoCmd(), c.configCmd())
	root.InitDefaultCompletionCmd() // cobra adds it at Execute otherwise, after the check below
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes every group of commands (`kith post`)
// fail on a word that names none of its commands (`kith post lsit`), as
// the root does: cobra would print the group's help and exit 0, and a
// script would go on as if the command had run.
func refuseUnknownSubcommands(cmd *cobra.Command) {
	for _, sub := range cmd.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if cmd.Parent() == nil || !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return nil
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
}

// home returns the home directory chosen by --home, made absolute so that
// messages name it unambiguously.
func (c *cli) home() (home.Home, error) {
	dir := c.homeDir
	if dir == "" {
		if c.defaultErr != nil {
			return home.Home{}, fmt.Errorf("no home directory: %w, or use --home", c.defaultErr)
		}
		return home.Home{}, errors.New("no home directory: use --home or set KITH_HOME")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return home.Home{Dir: dir}, nil
}

// addJSONFlag adds the --json flag every data-printing command has.
func addJSONFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("json", false, "print the result as JSON")
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

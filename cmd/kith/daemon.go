package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/home"
)

// daemonCmd is `kith daemon`: run the node until SIGINT or SIGTERM.
//
// Every flag has a key in the home's config.toml, named as the flag with
// "-" written "_" (TestDaemonFlagsHaveConfigKeys holds them to it). A flag
// given on the command line wins over the file, and the file over the
// defaults; --bootstrap adds to the file's bootstrap list.
func (c *cli) daemonCmd() *cobra.Command {
	cmd, _ := c.newDaemonCmd()
	return cmd
}

// newDaemonCmd is daemonCmd that also returns the settings its flags are
// parsed into.
func (c *cli) newDaemonCmd() (*cobra.Command, *daemonSettings) {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run the Kith node (sets itself up on first run)",
		Long: "daemon runs this machine's Kith node: it replicates your communities with other\n" +
			"members' nodes and serves the local API the kith command uses. The first run\n" +
			"creates an identity, a config file and the store in the home directory.\n\n" +
			"Every flag has a setting in the home's config.toml (--log-level is log_level);\n" +
			"a flag given here wins over the file. `kith config show` prints the file's\n" +
			"settings and where each came from.",
		Args: noArgs,
	}
	var set daemonSettings
	f := cmd.Flags()
	f.StringArrayVar(&set.listen, "listen", nil, "libp2p `multiaddr` to listen on (repeatable; config listen)")
	f.BoolVar(&set.loopback, "loopback", false, "use 127.0.0.1 only: listen, dial and advertise no other address, no mDNS, no NAT port mapping (for tests; config loopback)")
	f.StringVar(&set.api, "api", "", "`address` of the local API; 127.0.0.1:0 picks a free port (config api, default "+home.DefaultAPI+")")
	f.StringArrayVar(&set.bootstrap, "bootstrap", nil, "peer `multiaddr` to connect to at start (repeatable; added to config bootstrap)")
	f.BoolVar(&set.anchor, "anchor", false, "this node has a public address and stays on: relay connections for members behind NAT (config anchor)")
	f.BoolVar(&set.noSearch, "no-search", false, "keep no full-text search index (config no_search)")
	f.IntVar(&set.maxFileMB, "max-file-mb", 0, fmt.Sprintf("the largest attachment kept, in `MiB` (config max_file_mb, default %d)", home.DefaultMaxFileMB))
	f.IntVar(&set.autoMB, "auto-fetch-mb", 0, fmt.Sprintf("attachments up to this size (`MiB`) are fetched as soon as a record names them; 0: none (config auto_fetch_mb, default %d)", home.DefaultAutoFetchMB))
	f.IntVar(&set.memoryMB, "memory-mb", 0, fmt.Sprintf("a soft limit on the daemon's memory, in `MiB`; 0: none (config memory_mb, default %d; GOMEMLIMIT wins)", home.DefaultMemoryMB))
	f.StringVar(&set.logLevel, "log-level", "", "log `level`: debug, info, warn, error (config log_level, default info)")
	f.StringVar(&set.logFormat, "log-format", "", "log `format` on standard error: text or json (config log_format, default text)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		file, err := h.ReadConfig()
		if err != nil {
			return err
		}
		run, err := set.merge(cmd.Flags().Changed, file)
		if err != nil {
			return err
		}
		log := newLogger(cmd.ErrOrStderr(), run.level, run.format)
		limitMemory(run.memoryMB)
		// SIGHUP too: a terminal closed or an SSH session dropped stops the
		// daemon cleanly rather than killing it.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer stop()
		run.node.Home, run.node.Logger = h, log
		_, noIdentity := h.Open()
		n, err := node.Start(ctx, run.node)
		if err != nil && errors.Is(noIdentity, home.ErrNoIdentity) {
			if _, now := h.Open(); now == nil {
				// The identity was made, then the start failed (a port
				// taken): the next start is no first run, so say it now.
				defer fmt.Fprintln(cmd.ErrOrStderr(), backupAdvice(h))
			}
		}
		if err == nil {
			// From here on through the node's logger, which keeps the
			// lines for `kith logs` too.
			log = n.Logger()
		}
		for _, w := range run.warnings {
			log.Warn(w)
		}
		log.Info("config", "file", file.Path, "exists", file.Exists)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "Kith daemon running for %s\n", h.Dir)
		if toJournal() {
			// A login link is a credential for 15 minutes: the journal is
			// no place for it. `kith ui` mints one on demand.
			fmt.Fprintf(out, "UI:      %s (run `kith ui` for a login link)\n", n.APIURL())
		} else {
			fmt.Fprintf(out, "UI:      %s\n", n.UILoginURL())
		}
		fmt.Fprintf(out, "API:     %s\n", n.APIURL())
		fmt.Fprintf(out, "peer id: %s\n", n.PeerID())
		for _, a := range n.Addrs() {
			fmt.Fprintf(out, "listen:  %s\n", a)
		}
		if n.FirstRun() {
			fmt.Fprintf(out, "\n%s\n", backupAdvice(h))
		}
		log.Info("started", "home", h.Dir, "api", n.APIURL(), "peer_id", n.PeerID().String(), "listen", n.Addrs())
		<-ctx.Done()
		log.Info("stopping")
		return n.Close()
	}
	return cmd, &set
}

// daemonSettings are the values of `kith daemon`'s flags.
type daemonSettings struct {
	listen, bootstrap   []string
	loopback, anchor    bool
	noSearch            bool
	maxFileMB, autoMB   int
	memoryMB            int
	api                 string
	logLevel, logFormat string
}

// daemonRun is how the daemon runs once its flags and the config file
// are merged.
type daemonRun struct {
	node     node.Config // without Home and Logger
	level    slog.Level
	format   string
	memoryMB int      // the soft memory limit (0: none)
	warnings []string // to log once the logger exists
}

// merge combines the flags given on the command line (changed says which)
// with the config file: a flag given wins, --bootstrap adds to the file's
// list.
//
// node.Start reads the home's config file itself for the settings it
// knows (listen, api, bootstrap, relays, anchor) and fills only the
// node.Config fields left zero, so merge leaves those zero unless a flag
// is given; the settings node.Start does not read (loopback, no_search,
// log_level, log_format) are merged here.
func (s daemonSettings) merge(changed func(flag string) bool, file home.ConfigInfo) (daemonRun, error) {
	conf := file.Config
	var run daemonRun
	if changed("loopback") {
		conf.Loopback = s.loopback
	}
	if changed("no-search") {
		conf.NoSearch = s.noSearch
	}
	if changed("log-level") {
		conf.LogLevel = s.logLevel
	}
	if changed("log-format") {
		conf.LogFormat = s.logFormat
	}
	if changed("max-file-mb") {
		conf.MaxFileMB = s.maxFileMB
	}
	if changed("auto-fetch-mb") {
		conf.AutoFetchMB = s.autoMB
	} else if conf.AutoFetchMB > conf.MaxFileMB && conf.MaxFileMB >= 1 {
		// A lower limit on files, alone: what is fetched at once can be no
		// larger, and the default (or the file's) need not be said again.
		run.warnings = append(run.warnings, fmt.Sprintf("auto_fetch_mb %d is over max_file_mb %d: files up to %d MiB are fetched at once", conf.AutoFetchMB, conf.MaxFileMB, conf.MaxFileMB))
		conf.AutoFetchMB = conf.MaxFileMB
	}
	if err := home.CheckFileLimits(conf.MaxFileMB, conf.AutoFetchMB); err != nil {
		return daemonRun{}, fmt.Errorf("--max-file-mb or --auto-fetch-mb: %w", err)
	}
	if changed("memory-mb") {
		if err := home.CheckMemoryMB(s.memoryMB); err != nil {
			return daemonRun{}, fmt.Errorf("--memory-mb: %w", err)
		}
		conf.MemoryMB = s.memoryMB
	}
	run.memoryMB = conf.MemoryMB
	var err error
	if run.level, err = home.ParseLogLevel(conf.LogLevel); err != nil {
		return daemonRun{}, fmt.Errorf("--log-level: %w", err)
	}
	if err := home.CheckLogFormat(conf.LogFormat); err != nil {
		return daemonRun{}, fmt.Errorf("--log-format: %w", err)
	}
	run.format = conf.LogFormat
	if changed("api") {
		if err := home.CheckAPIAddr(s.api); err != nil {
			return daemonRun{}, fmt.Errorf("--api: %w", err)
		}
	}
	for _, b := range s.bootstrap {
		if err := home.CheckPeerAddr(b); err != nil {
			return daemonRun{}, fmt.Errorf("--bootstrap: %w", err)
		}
	}
	switch {
	case s.anchor && conf.Loopback:
		return daemonRun{}, errors.New("--anchor and --loopback (or loopback = true in the config) exclude each other: an anchor serves nodes on other machines")
	case changed("anchor") && !s.anchor && conf.Anchor && !conf.Loopback:
		// node.Start ors the file's anchor into the flag's: it cannot be
		// turned off from here, so say so rather than ignore the flag.
		return daemonRun{}, fmt.Errorf("--anchor=false cannot override anchor = true in %s: set it to false there", file.Path)
	case conf.Anchor && conf.Loopback:
		run.warnings = append(run.warnings, "anchor = true in "+file.Path+" is ignored: the node runs with --loopback")
	}
	run.node = node.Config{Listen: s.listen, Loopback: conf.Loopback, API: s.api, Bootstrap: s.bootstrap,
		Anchor: s.anchor, NoSearch: conf.NoSearch,
		MaxFileBytes: int64(conf.MaxFileMB) << 20, AutoFetchBytes: autoFetchBytes(conf.AutoFetchMB)}
	return run, nil
}

// limitMemory sets the Go runtime's soft memory limit to mb MiB (none if
// 0), unless GOMEMLIMIT says otherwise: without one, the heap grows to
// twice what is live before a collection, and a big import, whose
// storage engine builds tables in memory, ran the daemon to 1.4 GB
// (docs/benchmarks.md, "Memory during a big import").
func limitMemory(mb int) {
	if mb > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(mb) << 20)
	}
}

// autoFetchBytes turns auto_fetch_mb into node.Config's form, where 0
// means the default and a negative value none.
func autoFetchBytes(mb int) int64 {
	if mb == 0 {
		return -1
	}
	return int64(mb) << 20
}

// newLogger makes the daemon's logger: slog's text or JSON handler on w.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == home.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// toJournal says whether systemd connected this process's output to the
// journal: it sets JOURNAL_STREAM (device:inode) for a service's processes.
// A process started by such a service inherits the variable too, and is
// then told to run `kith ui` rather than shown a link: the safe mistake.
func toJournal() bool {
	return strings.Contains(os.Getenv("JOURNAL_STREAM"), ":")
}

// backupAdvice is said once, when a start made the member's identity.
func backupAdvice(h home.Home) string {
	return fmt.Sprintf("First run: your identity is new. Back up %s: it is your identity and cannot be recovered.", filepath.Join(h.Dir, home.MemberKeyFile))
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kith-network/kith/node/api"
)

// logsCmd is `kith logs [-f]`: the running daemon's recent log, from the
// daemon itself, wherever its standard error went.
func (c *cli) logsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Show the running daemon's recent log; -f follows it",
		Long: "logs shows the running daemon's recent log (it keeps the last 2000 lines in\n" +
			"memory, at the level it runs with: `kith daemon --log-level debug` for more).\n" +
			"-f goes on showing lines as they are logged, until Ctrl-C (status 0) or until\n" +
			"the daemon stops (a message, and status 1).",
		Args: noArgs,
	}
	follow := cmd.Flags().BoolP("follow", "f", false, "go on showing lines as the daemon logs them")
	lines := cmd.Flags().IntP("lines", "n", api.DefaultLogLines, fmt.Sprintf("recent lines to show first (at most %d)", api.MaxLogLines))
	asJSON := cmd.Flags().Bool("json", false, "print each line as the daemon's JSON object")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *lines < 0 || *lines > api.MaxLogLines {
			return fmt.Errorf("--lines %d: want 0 to %d", *lines, api.MaxLogLines)
		}
		cl, err := c.client()
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if !*follow {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Minute)
			defer cancel()
		}
		out := cmd.OutOrStdout()
		var failed error // writing a line out, not reading the stream
		err = cl.Logs(ctx, *lines, *follow, func(line []byte) error {
			if *asJSON {
				_, failed = fmt.Fprintf(out, "%s\n", line)
			} else {
				_, failed = io.WriteString(out, formatLogLine(line)+"\n")
			}
			return failed
		})
		if !*follow || failed != nil {
			return err
		}
		return followEnded(ctx, err)
	}
	return cmd
}

// followEnded says why `kith logs -f` stopped following, err being what
// the stream's reader returned. Only the user ends a follow (Ctrl-C
// cancels ctx): the stream ending otherwise means the daemon stopped, or
// died, which a script or a person watching must not mistake for success.
func followEnded(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return nil // Ctrl-C: quietly, as asked
	case err == nil:
		// The daemon ends its followers' streams as it shuts down.
		return errors.New("the daemon stopped: its log ended")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("the daemon stopped abruptly (crashed or killed?): %w", err)
	}
	return fmt.Errorf("following the log: %w", err)
}

// formatLogLine turns one of the daemon's JSON log lines into a line for
// people: "15:04:05.000 INFO message key=value ...", keys in the daemon's
// order. A line that is not a JSON object is shown as it came, quoted if
// it holds control characters.
func formatLogLine(line []byte) string {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return quoteIfNeeded(string(line))
	}
	var when, level, msg string
	var attrs []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return quoteIfNeeded(string(line))
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return quoteIfNeeded(string(line))
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v) // numbers, booleans, groups as JSON
		}
		switch key {
		case "time":
			when = s
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				when = t.Local().Format("2006-01-02 15:04:05.000")
			}
		case "level":
			level = s
		case "msg":
			msg = s
		default:
			attrs = append(attrs, quoteIfNeeded(key)+"="+quoteIfNeeded(s))
		}
	}
	if !printable(msg) {
		msg = strconv.Quote(msg)
	}
	parts := []string{when, fmt.Sprintf("%-5s", level), msg}
	return strings.Join(append(parts, attrs...), " ")
}

// quoteIfNeeded quotes s when it is empty, holds spaces, quotes, '=' or
// anything not printable, so that a log line cannot forge another.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \"=") || !printable(s) {
		return strconv.Quote(s)
	}
	return s
}

func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0
}

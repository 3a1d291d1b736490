package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// noArgs rejects positional arguments.
var noArgs = exactArgs(0)

// exactArgs returns the Args check of a command that takes n positional
// arguments, named by the placeholders of its Use line. Its error says
// what the command takes and what it got and, when one word too many
// stands where a required flag was left out (`kith post new ID "My
// title"`), which flag that word belongs to: the commonest slip, since
// titles and names are flags.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		msg := fmt.Sprintf("`%s` takes %s, got %s", cmd.CommandPath(), wanted(cmd, n), given(args))
		if len(args) == n+1 {
			if f, word := onlyMissingFlag(cmd), strayWord(args); f != nil && word != "" {
				msg += fmt.Sprintf(" (did you mean --%s %q?)", f.Name, word)
			}
		}
		return errors.New(msg)
	}
}

// strayWord returns the last argument that cannot be an id or its first
// digits: the one a flag was meant for, as ids are the positional
// arguments; "" if every argument could be one.
func strayWord(args []string) string {
	for i := len(args) - 1; i >= 0; i-- {
		if checkDigits(args[i], "") != nil {
			return args[i]
		}
	}
	return ""
}

// wanted names the n arguments cmd takes, from its Use line
// ("rsvp EVENT_ID yes|no|maybe" takes EVENT_ID and yes|no|maybe; flags,
// optional and alternative parts end the list).
func wanted(cmd *cobra.Command, n int) string {
	if n == 0 {
		return "no arguments"
	}
	var names []string
	for _, f := range strings.Fields(cmd.Use)[1:] {
		if strings.ContainsAny(f[:1], "-[(") {
			break
		}
		names = append(names, f)
	}
	if len(names) != n {
		return plural(n, "argument")
	}
	return strings.Join(names, " ")
}

// given describes the arguments a command got.
func given(args []string) string {
	if len(args) == 0 {
		return "none"
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return plural(len(args), "argument") + ": " + strings.Join(quoted, " ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// onlyMissingFlag returns cmd's required flag left unset, if exactly one
// is.
func onlyMissingFlag(cmd *cobra.Command) *pflag.Flag {
	var missing []*pflag.Flag
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if req := f.Annotations[cobra.BashCompOneRequiredFlag]; len(req) > 0 && req[0] == "true" && !f.Changed {
			missing = append(missing, f)
		}
	})
	if len(missing) != 1 {
		return nil
	}
	return missing[0]
}

// refuseEmpty refuses the named flags when given empty: an edit keeps what
// a flag leaves out, so an empty value is a mistake (a script's variable
// left unset) that would otherwise be read as "nothing to change".
func refuseEmpty(cmd *cobra.Command, what string, names ...string) error {
	for _, name := range names {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), "")
		}
		if strings.TrimSpace(v) == "" {
			field, hint := strings.Replace(name, "tag", "tags", 1), ""
			if c := cmd.Flags().Lookup("clear"); c != nil && strings.Contains(c.Usage, field) {
				hint = "; --clear " + field + " empties it"
			}
			return fmt.Errorf("--%s is empty: leave it out to keep the %s's current one%s", name, what, hint)
		}
	}
	return nil
}

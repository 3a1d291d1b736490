package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kith-network/kith/node/home"
)

// Moving a member identity to a second device: `kith identity export`
// seals the member key with a passphrase; `kith init --import` on the
// other machine opens it. Each device keeps its own node key.

// passphraseEnv gives the passphrase to scripts (and tests).
const passphraseEnv = "KITH_PASSPHRASE"

// readPassphrase takes the passphrase from a file, the environment, or the
// terminal (asked twice when confirm is set).
func readPassphrase(cmd *cobra.Command, file string, confirm bool) ([]byte, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		return bytes.TrimRight(line, "\r"), nil
	}
	if p := os.Getenv(passphraseEnv); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("no passphrase: give it with --passphrase-file or $%s, or run in a terminal", passphraseEnv)
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt)
		p, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		return p, err
	}
	p, err := ask("Passphrase: ")
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if confirm {
		again, err := ask("Again: ")
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("the two passphrases differ")
		}
	}
	return p, nil
}

func (c *cli) identityCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "identity", Short: "Move your member identity to another device"}
	export := &cobra.Command{
		Use:   "export -o FILE",
		Short: "Write your member key to a file, sealed with a passphrase, for `kith init --import` on another device",
		Args:  noArgs,
	}
	out := export.Flags().StringP("output", "o", "", "the `file` to write (required; never overwritten)")
	passFile := export.Flags().String("passphrase-file", "", "read the passphrase from the first line of this `file`")
	export.MarkFlagRequired("output")
	export.RunE = func(cmd *cobra.Command, _ []string) error {
		h, err := c.home()
		if err != nil {
			return err
		}
		id, err := h.Open()
		if err != nil {
			return err
		}
		pass, err := readPassphrase(cmd, *passFile, true)
		if err != nil {
			return err
		}
		sealed, err := home.SealMember(id.Member, pass)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		if _, err := f.Write(sealed); err != nil {
			f.Close()
			os.Remove(*out)
			return fmt.Errorf("write %s: %w", *out, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Wrote your member key to %s, sealed with your passphrase.\nOn the other device: kith init --import %s\n", *out, *out)
		return nil
	}
	cmd.AddCommand(export)
	return cmd
}

// importMember opens a sealed member key file for `kith init --import`.
func importMember(cmd *cobra.Command, path, passFile string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(f), 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if k, err := home.PlainKey(data); err == nil {
		return k, nil // a copy of a home's member.key (a backup): not sealed, no passphrase
	}
	pass, err := readPassphrase(cmd, passFile, false)
	if err != nil {
		return nil, err
	}
	k, err := home.OpenSealed(data, pass)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return k, nil
}

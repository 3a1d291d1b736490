package soak

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kith-network/kith/node/client"
	"github.com/kith-network/kith/node/home"
)

// daemon is one `kith daemon --loopback` process with its own home.
type daemon struct {
	bin  string
	home string
	cmd  *exec.Cmd
	done chan error
}

// start runs the daemon and waits until its API answers.
func (d *daemon) start(ctx context.Context) (*client.Client, error) {
	log, err := os.OpenFile(filepath.Join(d.home, "daemon.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own descriptor
	os.Remove(filepath.Join(d.home, home.APIAddrFile))
	d.cmd = exec.Command(d.bin, "--home", d.home, "daemon", "--loopback", "--api", "127.0.0.1:0", "--log-level", "warn")
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start daemon in %s: %w", d.home, err)
	}
	d.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(d.cmd, d.done)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := client.New(home.Home{Dir: d.home}); err == nil {
			if _, err := c.Status(ctx); err == nil {
				return c, nil
			}
		}
		select {
		case err := <-d.done:
			d.cmd = nil
			return nil, fmt.Errorf("daemon in %s exited at start (%v): see %s", d.home, err, filepath.Join(d.home, "daemon.log"))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("daemon in %s did not answer within 30s: see %s", d.home, filepath.Join(d.home, "daemon.log"))
		}
	}
}

// stop stops the daemon with SIGTERM, or SIGKILL after 15 seconds.
func (d *daemon) stop() error {
	if d.cmd == nil {
		return nil
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-d.done:
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		err = errors.New("did not stop within 15s of SIGTERM")
	}
	d.cmd = nil
	if err != nil {
		return fmt.Errorf("daemon in %s: %w", d.home, err)
	}
	return nil
}

// running reports whether the daemon was started and not stopped.
func (d *daemon) running() bool { return d.cmd != nil }

// Package home manages a Kith node's home directory: the member key (the
// author identity, portable between devices), the node key (this machine's
// libp2p peer identity) and the node's configuration file.
//
// Everything in the directory is private to the user: the directory is 0700
// and every file in it 0600. Keys are never overwritten; starting over means
// removing the directory by hand.
package home

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/kith-network/kith/protocol"
)

// Names of the files kept in a home directory.
const (
	MemberKeyFile = "member.key"   // the member (author) private key, PEM PKCS#8
	NodeKeyFile   = "node.key"     // the node (libp2p peer) private key, PEM PKCS#8
	ConfigFile    = "config.toml"  // the node configuration, TOML
	StoreDir      = "store"        // the Badger store
	FilesDir      = "files"        // attachments, by hash (node/blobs)
	APIAddrFile   = "api.addr"     // the running daemon's API address; removed when it stops
	APITokenFile  = "api.token"    // the API's bearer token, 0600
	PeersFile     = "peers.json"   // the members' nodes last met, to reconnect to on start
	PortsFile     = "ports.json"   // the ports the node last listened on, reused when the config says 0
	DeviceFile    = "device.name"  // this node's name in the member's device list (kith device name)
	ProfileFile   = "profile.json" // a profile set before any community, published in the first one
)

var (
	// ErrExists is returned by Init when the directory already holds an
	// identity. Nothing is changed when it is returned.
	ErrExists = errors.New("identity already exists")

	// ErrNoIdentity is returned by Open when the directory holds no member
	// key, so `kith init` has not been run for it.
	ErrNoIdentity = errors.New("no identity")

	// ErrNoNodeKey is returned by Open when the directory holds a member
	// key but no node key: a member key restored from a backup, or a node
	// key removed. RepairNodeKey makes a new one.
	ErrNoNodeKey = errors.New("no node key beside the member key")

	// ErrInsecure is returned by Open when a key file is readable or
	// writable by anyone but its owner; like ssh, Kith refuses such keys
	// rather than use a secret others may have read.
	ErrInsecure = errors.New("key file permissions are too open")
)

// Home is a node's home directory. The zero value is not usable: Dir must
// name the directory (see DefaultDir).
type Home struct {
	Dir string
}

// InitOptions are the choices a user makes when creating an identity.
type InitOptions struct {
	// Name is the display name written to the config file; it may be empty.
	Name string
	// Member, if set, is the member key to use (imported from another
	// device) instead of a new one. The node key is always new.
	Member ed25519.PrivateKey
}

// path returns the path of the named file in the home directory.
func (h Home) path(name string) string { return filepath.Join(h.Dir, name) }

// Init creates the directory (mode 0700) if needed, generates a member key
// and a node key, and writes them and a commented default config file, all
// with mode 0600. An existing directory whose permissions are looser than
// 0700 is silently tightened to 0700.
//
// Init never overwrites anything: if the directory already holds a member
// key it returns an error wrapping ErrExists and changes nothing, and if it
// holds any other Kith file without a member key (an interrupted init) it
// refuses too. If writing fails part way, the files Init created are removed.
func (h Home) Init(opts InitOptions) (*Identity, error) {
	if h.Dir == "" {
		return nil, errors.New("no home directory given")
	}
	if err := checkName(opts.Name); err != nil {
		return nil, err
	}
	if err := h.checkFresh(); err != nil {
		return nil, err
	}
	if err := ensureDir(h.Dir); err != nil {
		return nil, err
	}
	id, err := newIdentity()
	if err != nil {
		return nil, err
	}
	if opts.Member != nil {
		if len(opts.Member) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("imported member key is %d bytes, want %d", len(opts.Member), ed25519.PrivateKeySize)
		}
		id.Member = opts.Member
	}
	cfg := DefaultConfig()
	cfg.Name = opts.Name
	files, err := renderFiles(id, cfg)
	if err != nil {
		return nil, err
	}
	// The member key goes last: its presence marks a complete identity.
	var created []string
	for _, f := range files {
		p := h.path(f.name)
		if err := writeNew(p, f.data); err != nil {
			for _, c := range created {
				os.Remove(c)
			}
			if errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("%w in %s: %s appeared while creating it (is another `kith init` running?)",
					ErrExists, h.Dir, f.name)
			}
			return nil, fmt.Errorf("write %s: %w", f.what, err)
		}
		created = append(created, p)
	}
	syncDir(h.Dir)
	return id, nil
}

// checkFresh fails unless the directory holds none of Kith's files.
func (h Home) checkFresh() error {
	_, err := os.Lstat(h.path(MemberKeyFile))
	switch {
	case err == nil:
		return h.existsError()
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("check for an existing identity: %w", err)
	}
	for _, name := range []string{NodeKeyFile, ConfigFile} {
		_, err := os.Lstat(h.path(name))
		if err == nil {
			return fmt.Errorf("%s already contains %s but no %s (another `kith init` may be running, or an earlier one was interrupted): move that directory aside or delete it to start over",
				h.Dir, name, MemberKeyFile)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check for an existing identity: %w", err)
		}
	}
	return nil
}

// existsError describes the identity already in the directory.
func (h Home) existsError() error {
	which := ""
	if key, err := readKey(h.path(MemberKeyFile), false); err == nil {
		which = fmt.Sprintf(" (member key %.16s…)", protocol.PublicKeyOf(key))
	}
	if _, err := os.Lstat(h.path(NodeKeyFile)); errors.Is(err, fs.ErrNotExist) {
		// A member key alone: restored from a backup, or copied for a new
		// device. Nothing to start over: the daemon finishes the setup.
		return fmt.Errorf("%w in %s%s, without a node key yet: run `kith daemon`, which makes this device's node key and keeps the member key",
			ErrExists, h.Dir, which)
	}
	return fmt.Errorf("%w in %s%s: to start over, move that directory aside or delete it (deleting it destroys the identity)",
		ErrExists, h.Dir, which)
}

// Open loads the identity from the directory. It refuses key files whose
// permissions let anyone but the owner read or write them (ErrInsecure), and
// reports ErrNoIdentity when there is no member key.
func (h Home) Open() (*Identity, error) {
	if h.Dir == "" {
		return nil, errors.New("no home directory given")
	}
	member, err := readKey(h.path(MemberKeyFile), true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: run `kith init`", ErrNoIdentity, h.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read member key: %w", err)
	}
	node, err := readKey(h.path(NodeKeyFile), true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: run `kith daemon`, which makes this device's node key and keeps the member key", ErrNoNodeKey, h.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read node key: %w", err)
	}
	return &Identity{Member: member, Node: node}, nil
}

// RepairNodeKey writes a new node key beside the member key, and a
// default config file if there is none, then opens the identity. The
// member key is the identity, and the one file people are told to back
// up: restoring it alone into a home directory gives a node that is a new
// device of the member (a new peer id), as `kith init --import` does.
func (h Home) RepairNodeKey() (*Identity, error) {
	_, node, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	data, err := encodeKey(node)
	if err != nil {
		return nil, fmt.Errorf("encode node key: %w", err)
	}
	if err := writeNew(h.path(NodeKeyFile), data); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("write node key: %w", err)
	}
	if err := h.repairConfig(); err != nil {
		return nil, err
	}
	syncDir(h.Dir)
	return h.Open()
}

// repairConfig writes the default config file if there is none.
func (h Home) repairConfig() error {
	conf, err := renderConfig(DefaultConfig())
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := writeNew(h.ConfigPath(), conf); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// newIdentity generates a fresh member key and node key.
func newIdentity() (*Identity, error) {
	_, member, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate member key: %w", err)
	}
	_, node, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	return &Identity{Member: member, Node: node}, nil
}

// newFile is a file Init writes.
type newFile struct {
	name, what string
	data       []byte
}

// renderFiles encodes the files of a new home, member key last.
func renderFiles(id *Identity, cfg Config) ([]newFile, error) {
	node, err := encodeKey(id.Node)
	if err != nil {
		return nil, fmt.Errorf("encode node key: %w", err)
	}
	member, err := encodeKey(id.Member)
	if err != nil {
		return nil, fmt.Errorf("encode member key: %w", err)
	}
	conf, err := renderConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return []newFile{
		{NodeKeyFile, "node key", node},
		{ConfigFile, "config", conf},
		{MemberKeyFile, "member key", member},
	}, nil
}

// ensureDir creates dir with mode 0700, or tightens an existing one whose
// group or other permission bits are set.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create home directory: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("create home directory: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict home directory permissions: %w", err)
		}
	}
	return nil
}

// writeNew creates path with mode 0600, failing if it exists, and writes and
// syncs data. On failure the file is removed.
func writeNew(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

// syncDir makes new directory entries durable where the OS supports it.
// Failure is ignored: the files themselves are already synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

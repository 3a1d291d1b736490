// Package node is the Kith daemon: it opens the node's home directory and
// store, runs the libp2p host and gossip, serves the local API, and carries
// out what members ask of it (create and join communities, invite, post).
//
// Data flows one way: records from the network or the API are validated by
// protocol, stored by store, then published or shown.
package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/blobs"
	"github.com/kith-network/kith/node/gossip"
	"github.com/kith-network/kith/node/home"
	kithhost "github.com/kith-network/kith/node/host"
	"github.com/kith-network/kith/node/ui"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/store"
)

// Config is how the daemon runs; zero fields take the home's config file.
type Config struct {
	Home      home.Home
	Listen    []string // libp2p listen multiaddrs
	Loopback  bool     // loopback only: no other address is listened on, dialled or advertised
	API       string   // the API's address; must be loopback
	Bootstrap []string // peers to connect to at start
	Anchor    bool     // a public, always-on node: relays for members behind NAT (or from the config file)
	NoSearch  bool     // keep no search index (a node nobody searches on, such as an anchor)
	// MaxFileBytes bounds the attachments this node keeps (0: 100 MiB);
	// AutoFetchBytes, those it fetches as soon as a record names them
	// (0: 25 MiB; negative: none); larger ones are fetched on demand.
	MaxFileBytes   int64
	AutoFetchBytes int64
	Logger         *slog.Logger
	// OnRecord, if set, is called when a record from the network was
	// stored by live gossip (for the UI's live updates and for measuring
	// delivery).
	OnRecord func(r *protocol.Record, status protocol.Status)

	relays    []string      // from the config file
	clockSkew time.Duration // added to the clock this node tells peers: tests only (clock.go)
}

// Node is a running daemon.
type Node struct {
	cfg     Config
	log     *slog.Logger
	id      *home.Identity
	peerID  peer.ID
	store   *store.Store
	host    host.Host
	gossip  *gossip.Gossip
	api     *http.Server
	apiURL  string
	token   string     // the API token
	ui      *ui.Server // the web UI, which mints login links
	index   *indexer   // keeps the search index current
	metrics *nodeMetrics
	// displayName is the config file's name, published as a profile in
	// communities until the member publishes one of their own.
	displayName string
	firstRun    bool     // this start created the identity
	newNodeKey  bool     // this start made a node key for a member key found alone
	logs        *logRing // the recent log, for `kith logs`

	blobs     *blobs.Store // attachment bytes
	filesMu   sync.Mutex
	fetching  map[protocol.ID]*fileFetch // files being fetched
	pinned    map[protocol.ID]time.Time  // files uploaded, waiting for their record
	failed    map[protocol.ID]time.Time  // automatic fetches that failed lately
	noPeer    map[protocol.ID]bool       // of those, the ones no connected peer could give
	newPeer   chan struct{}              // a peer connected: those may be tried again
	fileQueue chan fileJob               // files to fetch automatically
	purgeSoon chan struct{}              // a deletion happened: purge files no record names

	ctx       context.Context // lives until Close
	cancel    context.CancelFunc
	apiCtx    context.Context    // API requests' base context: ends when the node begins to stop
	apiCancel context.CancelFunc // ends it (apistop.go)
	dht       *dht.IpfsDHT
	discovery *drouting.RoutingDiscovery

	feed    eventFeed // what was stored, for the API's event streams
	syncs   syncState
	backoff backoff

	rechecks      rechecks     // peer re-checks waiting to run, one per community
	promoteMu     sync.Mutex   // one promotion at a time: a thread is promoted once
	lastCreated   atomic.Int64 // the newest creation time now gave
	clocks        clocks       // peers' clocks against ours (clock.go)
	modLog        moderationLogs
	removedOffers spacing[protocol.ID]  // offers of communities the member was removed from (removal_notice.go)
	introductions spacing[introduction] // introduce.go
	dropRedials   spacing[peer.ID]      // peers gossip disconnected from one community and we redialled (catchup.go)
	// profileMu serialises publishing the member's profile (profile set,
	// carrying it into a community, spreading it), so that a copy of an
	// older profile is never published after a newer one was set.
	profileMu sync.Mutex
	// profileCame is signalled when a profile of the member's arrives
	// from another device (spreadProfiles).
	profileCame chan struct{}

	tasks     taskGroup // background work and stream handlers, waited for by Close
	closeOnce sync.Once
	closeErr  error
	closers   []func() error // services to stop on Close, before the host
}

// Start sets up the home directory on first run (identity, config),
// opens the store, starts the host, gossip and API, and subscribes to
// every community the store holds.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	var handler slog.Handler = slog.DiscardHandler
	if cfg.Logger != nil {
		handler = cfg.Logger.Handler()
	}
	logs := newLogRing()
	log := slog.New(logs.handler(handler))
	id, err := cfg.Home.Open()
	firstRun := errors.Is(err, home.ErrNoIdentity)
	if firstRun {
		log.Info("first run: creating an identity", "home", cfg.Home.Dir)
		id, err = cfg.Home.Init(home.InitOptions{})
	}
	newNodeKey := errors.Is(err, home.ErrNoNodeKey)
	if newNodeKey {
		log.Warn("the home holds a member key but no node key (a restored backup?): making a new node key; this node is a new device of the member, vouched for in the communities this store holds, and joins others again with a code from a member or one of your devices",
			"home", cfg.Home.Dir)
		id, err = cfg.Home.RepairNodeKey()
	}
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(cfg.Home.Dir); err == nil && runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		// Made private when it was set up, and opened since: the store in
		// it holds every community's text, readable by anyone who may
		// read the directory.
		log.Warn("the home directory is readable by others: run chmod 700 on it", "home", cfg.Home.Dir, "mode", fmt.Sprintf("%04o", info.Mode().Perm()))
	}
	if _, err := os.Stat(cfg.Home.ConfigPath()); errors.Is(err, fs.ErrNotExist) && !firstRun {
		log.Warn("config.toml is missing: writing the default settings", "file", cfg.Home.ConfigPath())
	}
	conf, err := cfg.Home.LoadConfig()
	if err != nil {
		return nil, err
	}
	if len(cfg.Listen) == 0 && !cfg.Loopback {
		cfg.Listen = conf.Listen
	}
	if cfg.API == "" {
		cfg.API = conf.API
	}
	cfg.Bootstrap = append(cfg.Bootstrap, conf.Bootstrap...)
	if !cfg.Loopback {
		cfg.relays = conf.Relays
		cfg.Anchor = cfg.Anchor || conf.Anchor
	}
	nctx, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, log: log, logs: logs, id: id, ctx: nctx, cancel: cancel, displayName: conf.Name, firstRun: firstRun, newNodeKey: newNodeKey,
		syncs:       syncState{last: make(map[protocol.ID]SyncStatus), peers: make(map[peer.ID]bool)},
		backoff:     backoff{until: make(map[peer.ID]time.Time), wait: make(map[peer.ID]time.Duration)},
		profileCame: make(chan struct{}, 1), clocks: clocks{told: make(map[peer.ID]peerClock)}}
	if err := n.start(ctx); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) start(ctx context.Context) error {
	var err error
	n.metrics = newMetrics(n)
	if n.store, err = store.Open(filepath.Join(n.cfg.Home.Dir, home.StoreDir), store.Options{Logger: n.log}); err != nil {
		return err
	}
	if !n.cfg.NoSearch {
		if n.index, err = openIndexer(n.cfg.Home, n.store, n.busy, n.log.With("component", "search")); err != nil {
			return err
		}
		n.tasks.Go(func() { n.index.run(n.ctx) })
	}
	if err := n.openFiles(); err != nil {
		return err
	}
	key, err := n.id.NodeKey()
	if err != nil {
		return err
	}
	relays, err := parsePeers("relay", n.cfg.relays)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	hc := kithhost.Config{Key: key, Listen: n.cfg.Listen, Loopback: n.cfg.Loopback, Relays: relays, Anchor: n.cfg.Anchor}
	if n.host, err = n.startHost(hc); err != nil {
		return fmt.Errorf("start libp2p host: %w", err)
	}
	n.peerID = n.host.ID()
	if !n.cfg.Loopback {
		if err := n.startMDNS(); err != nil {
			return err
		}
	}
	if err := n.startDHT(); err != nil {
		return err
	}
	n.gossip, err = gossip.New(n.ctx, n.host, storeAdapter{n}, gossip.Options{
		Logger:    n.log,
		AllowPeer: n.allowPeer,
		OnRecord: func(r *protocol.Record, st protocol.Status) {
			n.storedOne(r, st, "gossip")
			if n.cfg.OnRecord != nil {
				n.cfg.OnRecord(r, st)
			}
		},
		OnRefuse: func(reason string) { n.metrics.refuse("gossip", reason) },
		OnDrop:   n.redialDropped,
		Tracer:   gossipTracer{n.metrics},
	})
	if err != nil {
		return fmt.Errorf("start gossip: %w", err)
	}
	n.host.SetStreamHandler(fetchProtocol, n.handler(n.serveFetch))
	n.host.SetStreamHandler(syncProtocol, n.handler(n.serveSync))
	n.host.SetStreamHandler(syncProtocolV1, n.handler(n.serveSync))
	n.host.SetStreamHandler(fileProtocol, n.handler(n.serveFiles))
	n.host.SetStreamHandler(clockProtocol, n.handler(n.serveClock))
	n.tasks.Go(func() { n.runFiles(n.ctx) })
	for _, c := range n.store.Communities() {
		if err := n.gossip.Join(c); err != nil {
			return fmt.Errorf("subscribe to community %s: %w", c, err)
		}
	}
	if n.newNodeKey {
		n.vouchForNewKey(ctx)
	}
	n.tasks.Go(func() { n.antiEntropy(n.ctx) })
	n.tasks.Go(func() { n.spreadProfiles(n.ctx) })
	n.host.Network().Notify(connectSync{n})
	n.reconnect()
	n.keepPeerBook()
	for _, b := range n.cfg.Bootstrap {
		if _, err := n.Connect(ctx, b); err != nil {
			n.log.Warn("bootstrap peer unreachable", "addr", b, "err", err)
		}
	}
	return n.startAPI()
}

// startAPI listens on the loopback API address, and writes the address and
// a fresh token into the home directory for the kith command.
func (n *Node) startAPI() error {
	host, _, err := net.SplitHostPort(n.cfg.API)
	if err != nil {
		return fmt.Errorf("API address %q: %w", n.cfg.API, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("API address %q is not a loopback address: the API must only be reachable from this machine", n.cfg.API)
	}
	ln, err := net.Listen("tcp", n.cfg.API)
	if err != nil {
		return fmt.Errorf("listen for the API on %s: %w (is another kith daemon running? give this one another address, e.g. --api 127.0.0.1:0)", n.cfg.API, err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		ln.Close()
		return err
	}
	token := hex.EncodeToString(secret)
	if err := writePrivate(filepath.Join(n.cfg.Home.Dir, home.APITokenFile), token+"\n"); err != nil {
		ln.Close()
		return fmt.Errorf("write API token: %w", err)
	}
	pages, err := ui.New(n, token, n.log.With("component", "ui"))
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	apiServer := api.New(n, token, n.log, n.metrics.handler())
	mux.Handle("/api/", apiServer)
	mux.Handle("/metrics", apiServer)
	mux.Handle("/", pages)
	n.token = token
	n.ui = pages
	apiCtx, apiCancel := context.WithCancel(n.ctx)
	n.apiCtx, n.apiCancel = apiCtx, apiCancel
	n.api = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return apiCtx },
	}
	go func() {
		if err := n.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("API server stopped", "err", err)
		}
	}()
	n.apiURL = "http://" + ln.Addr().String()
	if err := writePrivate(filepath.Join(n.cfg.Home.Dir, home.APIAddrFile), ln.Addr().String()+"\n"); err != nil {
		return fmt.Errorf("write API address: %w", err)
	}
	return nil
}

// writePrivate writes a file readable only by its owner.
// It goes through a temporary file of its own, synced before the rename,
// so that two writers never share one and a crash leaves the old content
// or the new, never an empty file.
func writePrivate(path, content string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, nothing is there
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Logger is the node's logger: what it logs goes where Config.Logger
// writes, and to the recent log `kith logs` shows.
func (n *Node) Logger() *slog.Logger { return n.log }

// APIURL is where the local API listens, e.g. http://127.0.0.1:7732.
func (n *Node) APIURL() string { return n.apiURL }

// UILoginURL returns a fresh link that opens the web UI in a browser: it
// works once, and the UI trades it for a session cookie.
func (n *Node) UILoginURL() string { return n.apiURL + n.ui.LoginPath() }

// PeerID is this node's libp2p identity.
func (n *Node) PeerID() peer.ID { return n.peerID }

// FirstRun reports whether this start created the member's identity (the
// daemon then reminds them to back it up).
func (n *Node) FirstRun() bool { return n.firstRun }

// Addrs are this node's listen addresses with its peer id.
func (n *Node) Addrs() []string {
	var out []string
	for _, a := range n.host.Addrs() {
		out = append(out, a.String()+"/p2p/"+n.peerID.String())
	}
	return out
}

// Close stops the daemon: the API first (so no request sees a half-closed
// node), then gossip, the host and, last, the store. Calling it again
// returns the first call's result.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.close() })
	return n.closeErr
}

func (n *Node) close() error {
	var errs []error
	n.feed.stop()
	n.logs.stop()
	if n.api != nil {
		os.Remove(filepath.Join(n.cfg.Home.Dir, home.APIAddrFile))
		errs = append(errs, stopAPI(n.api, n.apiCancel, n.log))
	}
	if n.host != nil {
		n.host.Network().StopNotify(connectSync{n})
	}
	if n.gossip != nil && n.store != nil {
		// While gossip still knows who is in which topic.
		if err := n.savePeerBook(); err != nil {
			n.log.Warn("save the peer book", "err", err)
		}
	}
	n.cancel()
	for _, c := range n.closers {
		errs = append(errs, c())
	}
	n.tasks.Close()
	if n.gossip != nil {
		errs = append(errs, n.gossip.Close())
	}
	if n.host != nil {
		errs = append(errs, n.host.Close())
	}
	if n.index != nil {
		errs = append(errs, n.index.close())
	}
	if n.store != nil {
		errs = append(errs, n.store.Close())
	}
	return errors.Join(errs...)
}

// busy reports whether the node is syncing or ingesting: work that can
// wait (search indexing) waits for a pause.
func (n *Node) busy() bool { return n.store.Ingesting() || n.syncs.active() }

// storeAdapter gives gossip the one ingest path of the store.
type storeAdapter struct{ n *Node }

func (a storeAdapter) Ingest(ctx context.Context, r *protocol.Record) (protocol.Status, bool, error) {
	out, err := a.n.store.Ingest(ctx, []*protocol.Record{r})
	if err != nil {
		return 0, false, err
	}
	if out[0].Refused {
		a.n.refusedAside(out[0], "gossip")
		return out[0].Status, false, gossip.ErrRefused
	}
	return out[0].Status, out[0].Added, nil
}

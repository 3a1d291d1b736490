package netlab

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/kith-network/kith/node/gossip"
	"github.com/kith-network/kith/protocol"
)

// hostileEnv, set to a JSON hostileSpec, makes the test binary run as the
// hostile peer instead of running tests: TestHostilePeer starts it so, in
// a lab namespace of its own.
const hostileEnv = "KITH_NETLAB_HOSTILE"

// hostileSpec tells the hostile peer what to attack.
type hostileSpec struct {
	Key       []byte   `json:"key"`       // its libp2p key, marshalled
	Listen    string   `json:"listen"`    // its libp2p listen address
	Targets   []string `json:"targets"`   // honest nodes, with /p2p/
	Community string   `json:"community"` // the community's id
	Seconds   int      `json:"seconds"`   // how long to attack
}

// hostileReport is what the hostile peer did, printed as JSON at the end.
type hostileReport struct {
	Member    string         `json:"member"` // its member key: its valid records are by it
	Published map[string]int `json:"published"`
	Streams   int            `json:"streams"` // sync streams it opened and held
	Errors    map[string]int `json:"errors"`
}

// runHostile is the hostile peer: a libp2p host speaking Kith's gossip
// dialect and nothing of its rules. It joins the community as a valid
// member, publishes valid posts as fast as it can for a quarter of its
// time, then, until its time is up, records with broken signatures, bytes
// that are no record and replays of every record it has seen, and opens
// and holds as many sync streams as it is let; last, messages larger than
// any record.
func runHostile(specJSON string) error {
	var spec hostileSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fmt.Errorf("hostile spec: %w", err)
	}
	community, err := protocol.ParseID(spec.Community)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(spec.Seconds)*time.Second)
	defer cancel()
	hostKey, err := crypto.UnmarshalPrivateKey(spec.Key)
	if err != nil {
		return fmt.Errorf("hostile spec: key: %w", err)
	}
	h, err := libp2p.New(libp2p.Identity(hostKey), libp2p.ListenAddrStrings(spec.Listen), libp2p.DisableRelay(),
		libp2p.ResourceManager(&network.NullResourceManager{}))
	if err != nil {
		return err
	}
	defer h.Close()
	ps, err := pubsub.NewGossipSub(ctx, h, append(gossip.Dialect(), pubsub.WithFloodPublish(true),
		pubsub.WithMaxMessageSize(4<<20), pubsub.WithPeerOutboundQueueSize(1<<14))...)
	if err != nil {
		return err
	}
	topic, err := ps.Join(gossip.TopicName(community))
	if err != nil {
		return err
	}
	sub, err := topic.Subscribe()
	if err != nil {
		return err
	}
	var targets []peer.ID
	for _, t := range spec.Targets {
		info, err := peer.AddrInfoFromString(t)
		if err != nil {
			return err
		}
		if err := h.Connect(ctx, *info); err != nil {
			return fmt.Errorf("connect to %s: %w", t, err)
		}
		targets = append(targets, info.ID)
	}
	for len(topic.ListPeers()) < len(targets) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}

	rep := hostileReport{Published: map[string]int{}, Errors: map[string]int{}}
	publish := func(kind string, data []byte) {
		if err := topic.Publish(ctx, data); err != nil {
			rep.Errors[kind]++
			return
		}
		rep.Published[kind]++
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	rep.Member = protocol.PublicKeyOf(key).String()
	sign := func(refs protocol.Refs, body protocol.Body) []byte {
		r, err := protocol.Sign(key, community, time.Now().UnixMilli(), refs, body)
		if err != nil {
			panic(err)
		}
		return r.Encode()
	}
	publish("join", sign(protocol.Refs{}, &protocol.Join{}))
	time.Sleep(time.Second)

	var mu sync.Mutex
	var seen [][]byte
	go func() {
		for {
			m, err := sub.Next(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			if len(seen) < 200 {
				seen = append(seen, m.Data)
			}
			mu.Unlock()
		}
	}()
	var held []network.Stream
	defer func() {
		for _, s := range held {
			s.Reset()
		}
	}()
	// First valid spam alone, for the rate limits to meet it before the
	// invalid records get the peer graylisted.
	spamUntil := time.Now().Add(time.Duration(spec.Seconds) * time.Second / 4)
	for round := 0; time.Now().Before(spamUntil); round++ {
		for i := range 100 {
			publish("spam", sign(protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: fmt.Sprintf("spam %d.%d", round, i), Text: "buy now"}))
		}
		time.Sleep(10 * time.Millisecond)
	}
	end := time.Now().Add(time.Duration(spec.Seconds)*time.Second*3/4 - 3*time.Second)
	for round := 0; time.Now().Before(end); round++ {
		for i := range 20 {
			forged := sign(protocol.Refs{}, &protocol.Post{Type: protocol.PostDiscussion, Title: fmt.Sprintf("forged %d.%d", round, i), Text: "x"})
			forged[len(forged)-1] ^= 0xff // the signature is the envelope's last item
			publish("forged", forged)
			garbage := make([]byte, 200)
			rand.Read(garbage)
			publish("garbage", garbage)
		}
		mu.Lock()
		replays := append([][]byte{}, seen...)
		mu.Unlock()
		for _, data := range replays {
			publish("replay", data)
		}
		for _, p := range targets {
			for range 20 {
				sctx, scancel := context.WithTimeout(ctx, time.Second)
				s, err := h.NewStream(sctx, p, "/kith/sync/1.0.0")
				scancel()
				if err != nil {
					rep.Errors["stream"]++
					break
				}
				held = append(held, s)
				rep.Streams++
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	huge := make([]byte, 2<<20)
	rand.Read(huge)
	for range 3 {
		publish("oversized", huge)
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}

// hostileSeconds is how long the hostile peer attacks.
const hostileSeconds = 20

// TestHostilePeer: three honest nodes and a hostile peer on one LAN. While
// it attacks (see runHostile), the honest nodes keep answering their API
// and delivering each other's posts; they store none of its forged
// records and no more of its valid spam than the rate limit lets through;
// they score it below zero; and afterwards they converge and their stores
// are consistent.
func TestHostilePeer(t *testing.T) {
	l := New(t)
	bin := buildKith(t)
	lan := l.LAN("office", "10.1.0.0/24")
	h1 := l.Host("h1", lan).StartKith(t, bin, KithOptions{Name: "H1"})
	h2 := l.Host("h2", lan).StartKith(t, bin, KithOptions{Name: "H2", Bootstrap: []string{h1.Addr()}})
	h3 := l.Host("h3", lan).StartKith(t, bin, KithOptions{Name: "H3", Bootstrap: []string{h1.Addr()}})
	honest := []*Kith{h1, h2, h3}
	community := startCommunity(t, honest, "Under attack")

	hostKey, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyBytes, err := crypto.MarshalPrivateKey(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	attackerID, err := peer.IDFromPrivateKey(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	x := l.Host("x", lan)
	spec, _ := json.Marshal(hostileSpec{Key: keyBytes, Listen: fmt.Sprintf("/ip4/%s/tcp/%d", x.Addr(), KithPort),
		Targets: []string{h1.Addr(), h2.Addr(), h3.Addr()}, Community: community, Seconds: hostileSeconds})
	var stdout, stderr bytes.Buffer
	attack := x.Command(context.Background(), os.Args[0], "-test.run=^$")
	attack.Env = append(os.Environ(), hostileEnv+"="+string(spec))
	attack.Stdout, attack.Stderr = &stdout, &stderr
	if err := attack.Start(); err != nil {
		t.Fatal(err)
	}
	attackEnded := make(chan error, 1)
	go func() { attackEnded <- attack.Wait() }()
	start := time.Now()

	probe := probeAPI(t, h2)
	// Honest posts while the attack goes on, one a second (a person's
	// pace, well within the rate limit): each must reach the others.
	var delivery []time.Duration
	for i := 0; time.Since(start) < (hostileSeconds-5)*time.Second; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second)))
		title := fmt.Sprintf("honest %d", i)
		posted := time.Now()
		h1.MustRun("post", "new", community, "--title", title, "--body", "business as usual")
		for _, k := range []*Kith{h2, h3} {
			Eventually(t, 10*time.Second, fmt.Sprintf("%s has %q during the attack", k.Host.Name(), title),
				func() bool { return hasTitles(k, community, []string{title}) }, honest...)
		}
		delivery = append(delivery, time.Since(posted))
	}
	// The attacker is still at it: every honest node connected to it has
	// scored it below zero.
	for _, k := range honest {
		for _, p := range k.Peers() {
			if p.PeerID == attackerID.String() {
				if p.GossipScore == nil || *p.GossipScore >= 0 {
					t.Errorf("%s scores the attacker %v", k.Host.Name(), p.GossipScore)
				} else {
					t.Logf("%s scores the attacker %.0f", k.Host.Name(), *p.GossipScore)
				}
			}
		}
	}
	if err := <-attackEnded; err != nil {
		t.Fatalf("hostile peer: %v\n%s", err, stderr.String())
	}
	latencies := probe()
	var rep hostileReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("hostile peer's report %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	t.Logf("the attacker published %v, held %d sync streams, errors %v", rep.Published, rep.Streams, rep.Errors)
	t.Logf("honest delivery during the attack (h1 to h2 and h3, polled): %s", summary(delivery))
	t.Logf("API latency on h2 during the attack (%d requests): %s", len(latencies), summary(latencies))
	if p99 := percentile(latencies, 99); p99 > time.Second {
		t.Errorf("API p99 during the attack %v, want under 1s", p99)
	}

	// No forged record anywhere; valid spam within the rate limits.
	maxSpam := len(honest) * (60 + hostileSeconds + 1)
	for _, k := range honest {
		spam := 0
		for _, title := range k.Titles(community) {
			if strings.HasPrefix(title, "forged") {
				t.Errorf("%s stored a forged record: %q", k.Host.Name(), title)
			}
			if strings.HasPrefix(title, "spam") {
				spam++
			}
		}
		t.Logf("%s holds %d of the %d spam posts", k.Host.Name(), spam, rep.Published["spam"])
		if spam > maxSpam {
			t.Errorf("%s holds %d spam posts, more than the limits allow (%d)", k.Host.Name(), spam, maxSpam)
		}
	}
	first, _ := h1.Community(community)
	Eventually(t, 30*time.Second, "the honest nodes converge after the attack", func() bool {
		want, _ := h1.Community(community)
		for _, k := range honest[1:] {
			if c, _ := k.Community(community); c.Digest != want.Digest {
				return false
			}
		}
		return want.Records >= first.Records
	}, honest...)
	checkStores(t, honest)
}

// probeAPI requests h's status every 50 ms, through a connection made
// inside h's namespace, until the returned func is called; that returns
// the latencies.
func probeAPI(t *testing.T, k *Kith) func() []time.Duration {
	t.Helper()
	addr, err1 := os.ReadFile(filepath.Join(k.Home, "api.addr"))
	token, err2 := os.ReadFile(filepath.Join(k.Home, "api.token"))
	if err1 != nil || err2 != nil {
		t.Fatalf("read API address and token: %v %v", err1, err2)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			return k.Host.Dial(ctx, network, address)
		},
	}}
	url := "http://" + strings.TrimSpace(string(addr)) + "/api/status"
	stop := make(chan struct{})
	done := make(chan []time.Duration, 1)
	var once sync.Once
	var latencies []time.Duration
	finish := func() []time.Duration {
		once.Do(func() {
			close(stop)
			latencies = <-done
		})
		return latencies
	}
	t.Cleanup(func() { finish() })
	go func() {
		var out []time.Duration
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- out
				return
			case <-tick.C:
			}
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
			start := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %s", resp.Status)
				}
			}
			if err != nil {
				t.Errorf("API request during the attack: %v", err)
				continue
			}
			out = append(out, time.Since(start))
		}
	}()
	return finish
}

// percentile returns the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}

func summary(ds []time.Duration) string {
	return fmt.Sprintf("p50 %v, p99 %v, max %v", percentile(ds, 50).Round(time.Millisecond),
		percentile(ds, 99).Round(time.Millisecond), percentile(ds, 100).Round(time.Millisecond))
}

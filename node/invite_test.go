package node

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

func sampleInvite(t testing.TB) *Invite {
	founder := prototest.Key("founder")
	g := prototest.Sign(t, founder, protocol.ID{}, prototest.Now, protocol.Refs{}, &protocol.Community{Name: "Ops", Policy: protocol.JoinInvite})
	invKey := prototest.Key("invite key")
	inv := prototest.Sign(t, founder, g.ID(), prototest.Now, protocol.Refs{}, &protocol.Invite{Key: protocol.PublicKeyOf(invKey),
		Expires: prototest.Now.Add(time.Hour).UnixMilli(), MaxUses: 1})
	addr, _ := multiaddr.NewMultiaddr("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWAJ2jbkUSGPWk2Piuf9THa8pBAvu9izS82eSwetxKMpzE")
	return &Invite{Genesis: g, Invite: inv, Key: invKey, Addrs: []multiaddr.Multiaddr{addr}}
}

func TestInviteRoundTrip(t *testing.T) {
	in := sampleInvite(t)
	code, err := EncodeInvite(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseInvite(code, prototest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if out.Community() != in.Community() || out.Invite.ID() != in.Invite.ID() || !out.Key.Equal(in.Key) || len(out.Addrs) != 1 {
		t.Fatalf("round trip changed the invite")
	}
	if _, err := ParseInvite(code, prototest.Now.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired code: %v", err)
	}
	for _, bad := range []string{"", "hello", "kith:!!!", "kith:" + strings.Repeat("A", 100), code[:len(code)-10]} {
		if _, err := ParseInvite(bad, prototest.Now); err == nil {
			t.Errorf("ParseInvite(%.20q) accepted", bad)
		}
	}
}

// FuzzParseInvite feeds hostile invite codes to the parser.
func FuzzParseInvite(f *testing.F) {
	code, err := EncodeInvite(sampleInvite(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(code)
	f.Add("kith:")
	f.Fuzz(func(t *testing.T, code string) {
		inv, err := ParseInvite(code, prototest.Now)
		if err != nil {
			return
		}
		if inv.Genesis == nil || (inv.Invite != nil && inv.Key == nil) {
			t.Fatal("accepted an incomplete invite")
		}
	})
}

// TestJoinRefusal: a refused joiner is told the invite's actual state,
// as the refusing node's records have it.
func TestJoinRefusal(t *testing.T) {
	founder := prototest.Key("founder")
	at := prototest.Now
	g := prototest.Sign(t, founder, protocol.ID{}, at, protocol.Refs{}, &protocol.Community{Name: "Board", Policy: protocol.JoinInvite})
	c := g.ID()
	invite := func(key ed25519.PrivateKey, uses uint32, expires time.Time) *protocol.Record {
		return prototest.Sign(t, founder, c, at.Add(time.Minute), protocol.Refs{}, &protocol.Invite{Key: protocol.PublicKeyOf(key), MaxUses: uses, Expires: expires.UnixMilli()})
	}
	join := func(who string, inv *protocol.Record, key ed25519.PrivateKey, created time.Time) *protocol.Record {
		member := prototest.Key(who)
		return prototest.Sign(t, member, c, created, protocol.Refs{Target: inv.ID()},
			&protocol.Join{InviteKey: protocol.PublicKeyOf(key), InviteProof: protocol.InviteProof(key, c, protocol.PublicKeyOf(member))})
	}
	k1 := prototest.Key("one use")
	used := invite(k1, 1, at.Add(time.Hour))
	first := join("first", used, k1, at.Add(2*time.Minute))
	second := join("second", used, k1, at.Add(3*time.Minute))
	k2 := prototest.Key("short")
	short := invite(k2, 5, at.Add(2*time.Minute))
	late := join("late", short, k2, at.Add(10*time.Minute))
	k3 := prototest.Key("revoked")
	revoked := invite(k3, 5, at.Add(time.Hour))
	revoke := prototest.Sign(t, founder, c, at.Add(4*time.Minute), protocol.Refs{Target: revoked.ID()}, &protocol.Role{Action: protocol.RoleRevokeInvite})
	withdrawn := join("withdrawn", revoked, k3, at.Add(5*time.Minute))
	// A member a moderator admitted (no join), introducing its node.
	admittedKey := prototest.Key("admitted")
	admit := prototest.Sign(t, founder, c, at.Add(6*time.Minute), protocol.Refs{}, &protocol.Role{Member: protocol.PublicKeyOf(admittedKey), Action: protocol.RoleAdmit})
	device := prototest.Sign(t, admittedKey, c, at.Add(7*time.Minute), protocol.Refs{}, &protocol.Device{PeerID: []byte("a node")})
	m := protocol.ResolveMembership(c, []*protocol.Record{g, used, first, second, short, late, revoked, revoke, withdrawn, admit})
	for _, tc := range []struct {
		submitted []*protocol.Record
		want      string
		retry     bool
	}{
		{[]*protocol.Record{g, used, second}, "used up (1 of 1 joins)", false},
		{[]*protocol.Record{g, short, late}, "expired on", false},
		{[]*protocol.Record{g, revoked, withdrawn}, "revoked the invite", false},
		{[]*protocol.Record{g}, "brought no join: a device code lets in only the devices of members", false},
		// A member whose device record has not arrived yet: for now only.
		{[]*protocol.Record{g, used, first}, "holds no device record for your node yet", true},
		{[]*protocol.Record{g, admit, device}, "holds no device record for your node yet", true},
	} {
		if got := joinRefusal(m, tc.submitted); !strings.Contains(got.why, tc.want) || got.retry != tc.retry {
			t.Errorf("refusal of %d records: %+v, want %q (retry %v)", len(tc.submitted), got, tc.want, tc.retry)
		}
	}
}

func TestParseValidity(t *testing.T) {
	for in, want := range map[string]time.Duration{"72h": 72 * time.Hour, "3d": 72 * time.Hour, "90m": 90 * time.Minute, "3650d": 3650 * 24 * time.Hour} {
		if got, err := parseValidity(in); err != nil || got != want {
			t.Errorf("parseValidity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// Each refusal says why: the limit when it is the limit.
	for bad, why := range map[string]string{"d": "whole days", "1.5d": "whole days", "-d": "whole days", "10000d": "at most 3650 days",
		"100000h": "at most 3650 days", "3 days": "a duration such as", "": "a duration such as", "0d": "positive", "-5h": "positive", "-2d": "positive"} {
		if _, err := parseValidity(bad); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("parseValidity(%q): %v, want it to say %q", bad, err, why)
		}
	}
}

// FuzzParseValidity: no input makes it panic, and days never overflow.
func FuzzParseValidity(f *testing.F) {
	f.Add("3d")
	f.Add("72h")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseValidity(s)
		if err == nil && strings.HasSuffix(s, "d") && d > 3650*24*time.Hour {
			t.Fatalf("%q: %v", s, d)
		}
	})
}

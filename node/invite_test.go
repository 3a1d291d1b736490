package node

import (
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

package host

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	p2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
)

// Members' clocks disagree, and a node must still connect to a peer whose
// clock is off by hours: its records are then dated wrong, which the
// rules and sync handle and tell (records from the future wait, a joiner
// ahead is told), where a connection that fails says nothing at all.
//
// libp2p's TLS certificates are valid from an hour before their maker's
// clock, and the peer checks them against its own: a peer whose clock
// runs more than an hour behind ours refuses ours ("certificate has
// expired or is not yet valid") and the two never connect. The dates
// prove nothing (libp2p binds the peer's key by a signed extension, not
// by a chain of trust), so:
//   - over TCP, Noise, which checks no dates, is offered before TLS;
//   - QUIC, which is TLS only, presents a certificate valid from 2000.
//
// Only nodes of this version connect whatever their clocks. With an older
// one: dialling over TCP, it picks TLS, where this node's certificate is
// libp2p's (its TCP TLS takes no template), which the older peer refuses
// when its clock is more than an hour behind; over QUIC this node, when
// its clock is that far behind, refuses the older peer's certificate.

// security is the host's security transports, Noise first.
var security = libp2p.ChainOptions(
	libp2p.Security(noise.ID, noise.New),
	libp2p.Security(p2ptls.ID, p2ptls.New),
)

// quicTransport is the QUIC transport, with a certificate made at now
// that peers accept whatever their clocks say (certTemplate).
func quicTransport(now time.Time) (libp2p.Option, error) {
	tmpl, err := certTemplate(now)
	if err != nil {
		return nil, err
	}
	return libp2p.Transport(quic.NewTransport, quic.WithTLSIdentityOption(p2ptls.WithCertTemplate(tmpl))), nil
}

// certNotBefore is when our certificates become valid: long before any
// clock a peer could plausibly run.
var certNotBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// certTemplate is the template of the certificate a node presents in
// QUIC's TLS handshake, made at now: valid from certNotBefore to a
// century after now. A fresh one each time: libp2p adds its key
// extension to the template it is given.
func certTemplate(now time.Time) (*x509.Certificate, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 62)
	sn, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("certificate serial number: %w", err)
	}
	subject, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("certificate subject: %w", err)
	}
	return &x509.Certificate{
		SerialNumber: sn,
		NotBefore:    certNotBefore,
		NotAfter:     now.Add(100 * 365 * 24 * time.Hour),
		Subject:      pkix.Name{SerialNumber: subject.String()},
	}, nil
}

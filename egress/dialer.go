package egress

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DialerConfig configures a Dialer.
type DialerConfig struct {
	// Policy decides which resolved addresses may be connected to.
	// Default: the default policy (nothing on the block list is
	// reachable).
	Policy *Policy
	// SourceAddr binds every outgoing connection to this local address,
	// so receivers can allow-list fixed source IPs. Zero: any. With an
	// IPv4 source only IPv4 destinations are tried, and vice versa.
	// NewDialer fails if the address cannot be bound on this host.
	SourceAddr netip.Addr
	// Timeout bounds one connect, DNS included. Default DefaultDialTimeout
	// (10s).
	Timeout time.Duration
	// KeepAlive is the TCP keep-alive period; negative disables
	// keep-alives. Default DefaultKeepAlive (30s).
	KeepAlive time.Duration
}

// Defaults of DialerConfig.
const (
	DefaultDialTimeout = 10 * time.Second
	DefaultKeepAlive   = 30 * time.Second
)

// withDefaults returns c with every zero field set to its default.
func (c DialerConfig) withDefaults() DialerConfig {
	c.Timeout = cmp.Or(c.Timeout, DefaultDialTimeout)
	c.KeepAlive = cmp.Or(c.KeepAlive, DefaultKeepAlive)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c DialerConfig) Validate() error {
	c = c.withDefaults()
	if c.Timeout < 0 {
		return fmt.Errorf("egress: dial timeout must not be negative (0 means %v)", DefaultDialTimeout)
	}
	if c.SourceAddr.IsUnspecified() {
		return fmt.Errorf("egress: source address %s binds nothing: leave it unset for any", c.SourceAddr)
	}
	if c.SourceAddr.IsMulticast() {
		return fmt.Errorf("egress: source address %s is multicast: give a unicast address of this host", c.SourceAddr)
	}
	return nil
}

// Dialer opens TCP connections for webhook deliveries. Every address
// tried, after DNS resolution and before connect, must pass the policy,
// except the address of the egress proxy registered by NewTransport. Safe
// for concurrent use.
type Dialer struct {
	policy  *Policy
	guarded net.Dialer // checks the policy in ControlContext
	proxy   net.Dialer // to the egress proxy only

	mu      sync.RWMutex
	proxies map[string]struct{} // "host:port" of proxies, lower case
}

// NewDialer returns a dialer for cfg, or an error saying what to fix: an
// invalid config, or a SourceAddr this host cannot bind.
func NewDialer(cfg DialerConfig) (*Dialer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	base := net.Dialer{Timeout: cfg.Timeout, KeepAlive: cfg.KeepAlive}
	if cfg.SourceAddr.IsValid() {
		if err := probeSource(cfg.SourceAddr); err != nil {
			return nil, err
		}
		base.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(cfg.SourceAddr, 0))
	}
	d := &Dialer{policy: cfg.Policy, guarded: base, proxy: base, proxies: map[string]struct{}{}}
	d.guarded.ControlContext = d.control
	return d, nil
}

// probeSource binds a UDP socket to src (no packet is sent) to find out
// at start-up, not at the first delivery, that src is not local.
func probeSource(src netip.Addr) error {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0)))
	if err != nil {
		return fmt.Errorf("egress: source address %s cannot be bound on this host: %w", src, err)
	}
	return c.Close()
}

// DialContext connects to address ("host:port") over TCP. A refusal by the
// policy is an error wrapping ErrBlocked with a *BlockedError naming the
// resolved address and its class.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("egress: network %q refused: only tcp is dialed", network)
	}
	if d.isProxy(address) {
		return d.proxy.DialContext(ctx, network, address)
	}
	return d.guarded.DialContext(ctx, network, address)
}

// control runs for every address tried, after resolution, before connect.
func (d *Dialer) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot judge %s address %q", ErrBlocked, network, address)
	}
	return d.policy.Check(ap.Addr())
}

// addProxy exempts address ("host:port", as http.Transport dials a proxy)
// from the policy.
func (d *Dialer) addProxy(address string) {
	key := strings.ToLower(address)
	d.mu.Lock()
	d.proxies[key] = struct{}{}
	d.mu.Unlock()
}

func (d *Dialer) isProxy(address string) bool {
	d.mu.RLock()
	_, ok := d.proxies[strings.ToLower(address)]
	d.mu.RUnlock()
	return ok
}

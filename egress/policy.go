package egress

import "net/netip"

// Policy decides which destination addresses outgoing webhook connections
// may reach: anything not on the block list (DefaultBlocked), plus the
// ranges of its allow list. A nil *Policy is the default: nothing extra
// allowed. A Policy is immutable and safe for concurrent use.
type Policy struct {
	allow []netip.Prefix
}

// NewPolicy returns a policy that also lets through the addresses inside
// the allow prefixes. allow nil: nothing on the block list is reachable.
// The allow list opens ranges; it never blocks more.
func NewPolicy(allow []netip.Prefix) *Policy {
	return &Policy{allow: append([]netip.Prefix(nil), allow...)}
}

// Loopback returns 127.0.0.0/8 and ::1/128: the allow list of the embedded
// quick start, whose receivers run on the same machine.
func Loopback() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
	}
}

// Allowed returns a copy of the allow list.
func (p *Policy) Allowed() []netip.Prefix {
	if p == nil {
		return nil
	}
	return append([]netip.Prefix(nil), p.allow...)
}

// Check returns nil if addr may be reached, or a *BlockedError (wrapping
// ErrBlocked) naming the address and its class. An IPv6 zone is ignored;
// an IPv4-mapped, NAT64 or 6to4 address is judged by the IPv4 address it
// embeds (see DefaultBlocked).
func (p *Policy) Check(addr netip.Addr) error {
	a := addr.WithZone("")
	if p.allows(a) || p.allows(a.Unmap()) {
		return nil
	}
	class, embedded := classify(a)
	if class == "" {
		return nil
	}
	return &BlockedError{Addr: addr, Embedded: embedded, Class: class}
}

func (p *Policy) allows(a netip.Addr) bool {
	if p == nil || !a.IsValid() {
		return false
	}
	for _, pfx := range p.allow {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

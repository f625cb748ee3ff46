package egress

import "net/netip"

// Class is why an address is blocked.
type Class string

// The classes of blocked addresses.
const (
	ClassUnspecified Class = "unspecified"  // 0.0.0.0/8, ::
	ClassLoopback    Class = "loopback"     // 127/8, ::1, "localhost"
	ClassPrivate     Class = "private"      // 10/8, 172.16/12, 192.168/16, 64:ff9b:1::/48
	ClassCGNAT       Class = "cgnat"        // 100.64/10
	ClassLinkLocal   Class = "link-local"   // 169.254/16, fe80::/10
	ClassUniqueLocal Class = "unique-local" // fc00::/7
	ClassMulticast   Class = "multicast"    // 224/4, ff00::/8
	ClassBroadcast   Class = "broadcast"    // 255.255.255.255
	ClassTeredo      Class = "teredo"       // 2001::/32
	ClassReserved    Class = "reserved"     // documentation, benchmarking, future use, outside 2000::/3
	ClassInvalid     Class = "invalid"      // the zero netip.Addr
)

// Range is one entry of the block list. The list is read top to bottom and
// the first Range containing an address decides.
type Range struct {
	Prefix netip.Prefix
	// Class is why the range is blocked. Empty for a range that is
	// judged only by the IPv4 address it embeds.
	Class Class
	// IPv4At is the byte offset of an IPv4 address embedded in an IPv6
	// range (12 for IPv4-mapped, IPv4-compatible and NAT64, 2 for 6to4),
	// 0 if none. An address in such a range is blocked, with the class of
	// the embedded address, when the embedded address is blocked;
	// otherwise Class decides (empty: allowed).
	IPv4At int
}

func r(prefix string, class Class, ipv4At int) Range {
	return Range{Prefix: netip.MustParsePrefix(prefix), Class: class, IPv4At: ipv4At}
}

// blockList is the table DefaultBlocked returns a copy of. Order matters:
// first match wins.
var blockList = [...]Range{
	r("0.0.0.0/8", ClassUnspecified, 0),
	r("10.0.0.0/8", ClassPrivate, 0),
	r("100.64.0.0/10", ClassCGNAT, 0),
	r("127.0.0.0/8", ClassLoopback, 0),
	r("169.254.0.0/16", ClassLinkLocal, 0),
	r("172.16.0.0/12", ClassPrivate, 0),
	r("192.0.0.0/24", ClassReserved, 0), // IETF protocol assignments
	r("192.0.2.0/24", ClassReserved, 0), // documentation
	r("192.168.0.0/16", ClassPrivate, 0),
	r("198.18.0.0/15", ClassReserved, 0),   // benchmarking
	r("198.51.100.0/24", ClassReserved, 0), // documentation
	r("203.0.113.0/24", ClassReserved, 0),  // documentation
	r("224.0.0.0/4", ClassMulticast, 0),
	r("255.255.255.255/32", ClassBroadcast, 0),
	r("240.0.0.0/4", ClassReserved, 0),

	r("::/128", ClassUnspecified, 0),
	r("::1/128", ClassLoopback, 0),
	r("::/96", ClassReserved, 12),        // IPv4-compatible, deprecated
	r("::ffff:0.0.0.0/96", "", 12),       // IPv4-mapped
	r("64:ff9b::/96", "", 12),            // NAT64 well-known prefix
	r("64:ff9b:1::/48", ClassPrivate, 0), // local-use NAT64
	r("2001::/32", ClassTeredo, 0),
	r("2001:db8::/32", ClassReserved, 0), // documentation
	r("2002::/16", "", 2),                // 6to4
	r("3fff::/20", ClassReserved, 0),     // documentation
	r("::/3", ClassReserved, 0),          // rest of the space below 2000::/3
	r("4000::/2", ClassReserved, 0),
	r("fc00::/7", ClassUniqueLocal, 0),
	r("fe80::/10", ClassLinkLocal, 0),
	r("ff00::/8", ClassMulticast, 0),
	r("8000::/1", ClassReserved, 0), // includes deprecated site-local fec0::/10
}

// DefaultBlocked returns the block list: every address a Policy refuses
// unless its allow list contains it. First match wins; see Range.
func DefaultBlocked() []Range {
	return append([]Range(nil), blockList[:]...)
}

// classify returns the class of a (zone-free) address, "" if it is not
// blocked, and the embedded IPv4 address that decided, if any.
func classify(a netip.Addr) (Class, netip.Addr) {
	if !a.IsValid() {
		return ClassInvalid, netip.Addr{}
	}
	for _, rg := range blockList {
		if !rg.Prefix.Contains(a) {
			continue
		}
		if rg.IPv4At > 0 {
			b := a.As16()
			v4 := netip.AddrFrom4([4]byte(b[rg.IPv4At : rg.IPv4At+4]))
			if c, _ := classify(v4); c != "" {
				return c, v4
			}
		}
		return rg.Class, netip.Addr{}
	}
	return "", netip.Addr{}
}

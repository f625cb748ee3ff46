package egress

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParsePrefixes parses a comma-separated list of networks such as
// "127.0.0.0/8,::1/128" (the --allow-networks flag). A bare address is
// taken as a single host (/32 or /128). Spaces around items are ignored;
// an empty list gives nil. The error names the item and says what to fix.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for i, item := range strings.Split(list, ",") {
		pfx, err := parsePrefix(strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("egress: network list item %d %q: %w", i+1, item, err)
		}
		out = append(out, pfx)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, fmt.Errorf("empty: remove the extra comma")
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR prefix: write e.g. 10.0.0.0/8, 10.1.2.3 or fd00::/8")
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("has a zone: write the address without %%%s", a.Zone())
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a CIDR prefix (%w): write e.g. 10.0.0.0/8 or fd00::/8", err)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("has bits set after the /%d: write %s", p.Bits(), m)
	}
	return p, nil
}

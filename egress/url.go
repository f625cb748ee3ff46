package egress

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// CheckURL is the check at hook creation. It refuses a URL whose host is a
// literal address the policy blocks, in any spelling a resolver or browser
// accepts: IPv6 in brackets (https://[::ffff:127.0.0.1]/), dotted decimal,
// and the inet_aton(3) forms Go's URL parser leaves as names
// (https://2130706433/, https://0x7f.1/, https://0177.0.0.1/). It refuses
// "localhost" and "*.localhost" unless loopback is allowed, and a host that
// ends in a number without being an IPv4 address (ErrInvalidURL). It does
// not resolve DNS: the dialer checks every resolved address at connect
// time. It does not check the scheme.
func (p *Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: %q has no host", ErrInvalidURL, raw)
	}
	return p.checkHost(host)
}

// checkHost is CheckURL for a host without port or brackets. The host is
// judged as the HTTP client dials it: mapped by IDNA first (full-width
// digits, ideographic full stops), as it was when the hook was created.
func (p *Policy) checkHost(host string) error {
	h := strings.ToLower(host)
	if mapped, err := idna.Lookup.ToASCII(host); err == nil {
		h = mapped
	}
	h = strings.TrimRight(h, ".")
	addr, err := netip.ParseAddr(h)
	if err != nil {
		var endsInNumber bool
		addr, endsInNumber = parseLooseIPv4(h)
		if endsInNumber && !addr.IsValid() {
			return fmt.Errorf("%w: host %q ends in a number but is not an IPv4 address", ErrInvalidURL, host)
		}
	}
	if addr.IsValid() {
		err := p.Check(addr)
		if be, ok := err.(*BlockedError); ok {
			be.Host = host
		}
		return err
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if p.Check(netip.IPv6Loopback()) == nil || p.Check(netip.AddrFrom4([4]byte{127, 0, 0, 1})) == nil {
			return nil
		}
		return &BlockedError{Host: host, Class: ClassLoopback}
	}
	return nil
}

// parseLooseIPv4 parses s the way inet_aton(3) and the WHATWG URL
// standard do: one to four dot-separated numbers, each decimal, octal
// (leading 0) or hex (0x), the last filling the remaining bytes
// ("127.1", "2130706433", "0x7f.0.0.1"). endsInNumber reports whether the
// last label is numeric, in which case s is meant as an address and an
// invalid result is an error rather than a hostname.
func parseLooseIPv4(s string) (addr netip.Addr, endsInNumber bool) {
	parts := strings.Split(s, ".")
	if !isNumberLabel(parts[len(parts)-1]) {
		return netip.Addr{}, false
	}
	if len(parts) > 4 {
		return netip.Addr{}, true
	}
	var v uint64
	for i, part := range parts {
		n, ok := parseAtonNumber(part)
		last := i == len(parts)-1
		switch {
		case !ok, !last && n > 255:
			return netip.Addr{}, true
		case last && n >= 1<<(8*(5-len(parts))):
			return netip.Addr{}, true
		case last:
			v |= n
		default:
			v |= n << (8 * (3 - i))
		}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// isNumberLabel reports whether a label is all decimal digits, or 0x
// followed by hex digits.
func isNumberLabel(s string) bool {
	if rest, ok := cutHexPrefix(s); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parseAtonNumber parses one inet_aton part; values above 2^32-1 fail.
func parseAtonNumber(s string) (uint64, bool) {
	base := 10
	if rest, ok := cutHexPrefix(s); ok {
		if rest == "" {
			return 0, true // "0x" is 0, as in WHATWG
		}
		s, base = rest, 16
	} else if len(s) > 1 && s[0] == '0' {
		s, base = s[1:], 8
	}
	n, err := strconv.ParseUint(s, base, 32)
	return n, err == nil
}

func cutHexPrefix(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:], true
	}
	return s, false
}

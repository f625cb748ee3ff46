package egress

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxURLLen is the longest hook URL accepted, in bytes, as written.
const MaxURLLen = 2048

// NormalizeURL is the one judge of a hook URL's form, used by the API at
// creation, by the registry for every record it loads and by the dispatcher
// through the stored form. It returns the URL's normal form, or an error
// wrapping ErrInvalidURL that says what is wrong. It does not apply a
// Policy (see CheckURL) and does not resolve DNS.
//
// The normal form is what the HTTP client dials, written one way:
//   - the scheme is "https" in lower case; no other scheme is accepted;
//   - there is a host and no user info (credentials would end in logs);
//   - the host is mapped as the HTTP client maps it before dialing (IDNA
//     UTS #46 lookup: case folded, full-width characters and ideographic
//     full stops mapped, Unicode names to Punycode); a host that mapping
//     refuses is dialed as written, so it is accepted (in lower case) only
//     when it is ASCII letters, digits, hyphens, underscores and dots;
//     a label may not be empty nor longer than 63 bytes;
//   - a host that is an IPv4 address in any inet_aton spelling
//     ("2130706433", "0x7f.1", "１２７。０。０。１") is written dotted-decimal;
//     a name that ends in a number without being one is refused; an IPv6
//     literal is written in its canonical form and may not carry a zone;
//   - a port, when given, is decimal 1..65535 without leading zeros;
//   - the path, query and fragment are kept as written.
//
// Normalizing a normal form returns it unchanged.
func NormalizeURL(raw string) (string, error) {
	if len(raw) > MaxURLLen {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidURL, MaxURLLen)
	}
	if !utf8.ValidString(raw) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrInvalidURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidURL, unquoted(err))
	}
	switch {
	case u.Scheme != "https": // url.Parse lower-cases the scheme
		return "", fmt.Errorf("%w: scheme must be https", ErrInvalidURL)
	case u.Opaque != "" || u.Host == "":
		return "", fmt.Errorf("%w: want https://host/...", ErrInvalidURL)
	case u.User != nil:
		return "", fmt.Errorf("%w: user info is not allowed in a hook URL", ErrInvalidURL)
	}
	host, err := normalHost(u.Hostname(), strings.HasPrefix(u.Host, "["))
	if err != nil {
		return "", err
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w: port %s is outside 1-65535", ErrInvalidURL, p)
		}
		host += ":" + strconv.Itoa(n)
	}
	u.Scheme, u.Host = "https", host
	return u.String(), nil
}

// normalHost returns the normal form of a URL's host (without brackets or
// port); bracketed says the URL wrote it in brackets, as an IPv6 literal.
func normalHost(host string, bracketed bool) (string, error) {
	if bracketed {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return "", fmt.Errorf("%w: [%s] is not an IPv6 address", ErrInvalidURL, host)
		}
		if a.Zone() != "" {
			return "", fmt.Errorf("%w: an IPv6 zone is not allowed", ErrInvalidURL)
		}
		return "[" + a.String() + "]", nil
	}
	h, err := idna.Lookup.ToASCII(host)
	if err != nil {
		// The HTTP client dials a host the mapping refuses as written: an
		// ASCII name with underscores (allowed in DNS, not in host names)
		// is dialed, in any case; anything else is refused.
		if !dnsName(host) {
			return "", fmt.Errorf("%w: host is not a valid domain name: %v", ErrInvalidURL, unquoted(err))
		}
		h = strings.ToLower(host)
	}
	if a, endsInNumber := parseLooseIPv4(strings.TrimSuffix(h, ".")); a.IsValid() {
		return a.String(), nil
	} else if endsInNumber {
		return "", fmt.Errorf("%w: host ends in a number but is not an IPv4 address", ErrInvalidURL)
	}
	if len(strings.TrimSuffix(h, ".")) > 253 {
		return "", fmt.Errorf("%w: host is longer than 253 bytes", ErrInvalidURL)
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%w: host has an empty label or one longer than 63 bytes", ErrInvalidURL)
		}
	}
	return h, nil
}

// unquoted is err's text without the quoted input the parsers repeat: a
// hook URL's path and query may carry the receiver's token.
func unquoted(err error) string {
	s := err.Error()
	if i := strings.IndexAny(s, "\"'"); i >= 0 {
		return strings.TrimSpace(s[:i]) + " (value not shown)"
	}
	return s
}

// dnsName reports whether host is ASCII letters, digits, hyphens,
// underscores and dots only.
func dnsName(host string) bool {
	for _, c := range []byte(host) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return host != ""
}

// Package egress decides which network addresses outgoing webhook
// deliveries may reach, and provides the dialer and HTTP transport that
// enforce it. It exists so that a customer-supplied hook URL cannot be
// used for server-side request forgery (SSRF) into the operator's network.
//
// # What it owns
//
//   - [Policy]: the block list ([DefaultBlocked]) plus the operator's allow
//     list (--allow-networks), with [Policy.Check] for one address and
//     [Policy.CheckURL] for a hook URL at creation time.
//   - [Dialer]: a TCP dialer that checks every resolved address at connect
//     time, optionally bound to a fixed source address.
//   - [NewTransport]: an *http.Transport using that dialer, honouring an
//     egress proxy (HTTPS_PROXY by default).
//   - [ParsePrefixes]: the parser for a comma-separated network list.
//
// # What it guarantees
//
//   - A connection made by a [Dialer] (other than to the configured egress
//     proxy) is never opened to a blocked address: the check runs in
//     net.Dialer.ControlContext, after DNS resolution and before connect,
//     for every address tried. A hostname that resolves (or later
//     rebinds) to 127.0.0.1 is therefore refused, whatever CheckURL said
//     when the hook was created. When a name resolves to several
//     addresses, blocked ones are skipped and the rest tried; if none is
//     left, the dial fails with the first refusal.
//   - Only TCP is dialed ("tcp", "tcp4", "tcp6"); unix sockets and UDP are
//     refused.
//   - A refusal is an error wrapping [ErrBlocked]; errors.As finds a
//     *[BlockedError] naming the address and its [Class].
//   - The allow list only opens ranges; it never blocks. Without one,
//     nothing on the block list is reachable. The embedded quick start
//     passes [Loopback] as its allow list.
//
// # Blocked classes
//
// IPv4: unspecified and "this network" 0.0.0.0/8; private 10/8,
// 172.16/12, 192.168/16; cgnat 100.64/10; loopback 127/8; link-local
// 169.254/16 (including the 169.254.169.254 metadata service); multicast
// 224/4; broadcast 255.255.255.255; reserved 240/4, 192.0.0.0/24, the
// documentation nets 192.0.2/24, 198.51.100/24, 203.0.113/24 and the
// benchmarking net 198.18/15.
//
// IPv6: unspecified ::; loopback ::1; unique-local fc00::/7; link-local
// fe80::/10; multicast ff00::/8; teredo 2001::/32 (tunnel space whose
// client address is obfuscated, no place for a webhook receiver); the
// local-use NAT64 prefix 64:ff9b:1::/48 (private); documentation
// 2001:db8::/32 and 3fff::/20; and everything outside global unicast
// 2000::/3 (reserved), except that:
//
//   - IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d and 6to4
//     2002:aabb:ccdd:: are judged by the IPv4 address they embed: blocked
//     with its class when it is blocked, allowed when it is public;
//   - IPv4-compatible ::a.b.c.d (deprecated) is always blocked, with the
//     embedded address's class when that one is blocked.
//
// The allow list is matched against the address itself and its unmapped
// IPv4 form, not against an address embedded in NAT64 or 6to4: to open
// 64:ff9b::10.0.0.1, allow 64:ff9b::a00:0/104 explicitly.
//
// # Proxies
//
// With an egress proxy, the [Dialer] connects to the proxy, not to the
// receiver, so the proxy's own address is exempt from the policy (it is
// usually private) and the proxy enforces destination policy for the final
// hop. Before a request is handed to the proxy, the transport still runs
// the checks that need no DNS (CheckURL: literal IP hosts in any spelling,
// "localhost"); it does not resolve hostnames itself, because a proxied
// network often cannot, and an answer the proxy does not share would be
// advisory only (rebinding).
package egress

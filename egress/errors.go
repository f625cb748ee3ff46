package egress

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrBlocked is wrapped by every refusal of a destination by the policy.
var ErrBlocked = errors.New("egress: destination address blocked")

// ErrInvalidURL is wrapped when a URL or host cannot be judged: it does not
// parse, has no host, or ends in a number without being an IPv4 address.
var ErrInvalidURL = errors.New("egress: invalid URL")

// BlockedError says which destination was refused and why. It wraps
// ErrBlocked.
type BlockedError struct {
	// Host is the host as written in a URL ("0x7f.1", "localhost"); empty
	// when an address was checked directly (Check, dial time).
	Host string
	// Addr is the refused address; zero when refused by name
	// ("localhost").
	Addr netip.Addr
	// Embedded is the IPv4 address embedded in Addr (IPv4-compatible,
	// NAT64, 6to4) whose class decided, if any.
	Embedded netip.Addr
	// Class is why it is blocked.
	Class Class
}

func (e *BlockedError) Error() string {
	what := e.Addr.String()
	switch {
	case e.Host != "" && e.Addr.IsValid() && e.Host != what:
		what = fmt.Sprintf("%s (%s)", e.Host, what)
	case e.Host != "" && !e.Addr.IsValid():
		what = e.Host
	}
	if e.Embedded.IsValid() {
		return fmt.Sprintf("%v: %s embeds %s, which is %s", ErrBlocked, what, e.Embedded, e.Class)
	}
	return fmt.Sprintf("%v: %s is %s", ErrBlocked, what, e.Class)
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

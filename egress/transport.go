package egress

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// TransportConfig configures NewTransport.
type TransportConfig struct {
	// Dialer configures the connections: policy, source address,
	// timeouts.
	Dialer DialerConfig
	// Proxy picks the egress proxy for a request, as http.Transport.Proxy
	// does; it must return only proxies the operator chose. nil:
	// http.ProxyFromEnvironment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, read
	// once per process).
	Proxy func(*http.Request) (*url.URL, error)
}

// NewTransport returns an *http.Transport whose connections obey the
// policy: DialContext is a Dialer's, and Proxy first refuses a request
// whose URL fails Policy.CheckURL (literal blocked addresses and
// "localhost", no DNS), then asks cfg.Proxy. The proxy a request is sent
// to is exempt from the policy at dial time (it is usually private); the
// proxy enforces destination policy for the final hop. Once a proxy has
// been used, a direct (NO_PROXY) request to its own host:port is refused;
// before that, such a request is checked at dial time like any other. A
// proxy host must be ASCII: a non-ASCII one is not recognised at dial
// time and is checked (and usually refused) like a receiver.
//
// Set the other fields (TLS, pool sizes, timeouts) on the result; do not
// replace Proxy or DialContext, nor set DialTLSContext, which would bypass
// the checks. ForceAttemptHTTP2 is on, as a custom dialer would otherwise
// turn HTTP/2 off.
func NewTransport(cfg TransportConfig) (*http.Transport, error) {
	d, err := NewDialer(cfg.Dialer)
	if err != nil {
		return nil, err
	}
	next := cfg.Proxy
	if next == nil {
		next = http.ProxyFromEnvironment
	}
	return &http.Transport{
		Proxy:             d.proxyFunc(next),
		DialContext:       d.DialContext,
		ForceAttemptHTTP2: true,
	}, nil
}

// proxyFunc wraps next with the pre-checks and registers the proxies it
// returns with the dialer, before the transport dials them.
func (d *Dialer) proxyFunc(next func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		if req.URL.Hostname() == "" {
			return nil, fmt.Errorf("%w: %q has no host", ErrInvalidURL, req.URL.Redacted())
		}
		if err := d.policy.checkHost(req.URL.Hostname()); err != nil {
			return nil, err
		}
		proxy, err := next(req)
		if err != nil {
			return nil, err
		}
		if proxy == nil {
			if target := hostPort(req.URL); d.isProxy(target) {
				return nil, fmt.Errorf("%w: %s is the egress proxy, not a receiver", ErrBlocked, target)
			}
			return nil, nil
		}
		d.addProxy(hostPort(proxy))
		return proxy, nil
	}
}

// hostPort is the "host:port" http.Transport dials for u: the port
// defaults by scheme.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		case "socks5", "socks5h":
			port = "1080"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

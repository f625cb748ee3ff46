package dispatcher

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"time"

	"github.com/postload/postload/egress"
)

// ClientConfig configures the HTTPS client that makes attempts. The zero
// value of each field stands for its default.
type ClientConfig struct {
	// AttemptTimeout bounds a whole attempt: connect, TLS, request and
	// response headers and body. Default DefaultAttemptTimeout (30s, the
	// contract's limit).
	AttemptTimeout time.Duration
	// MaxResponseBytes is how much of a response body is read (and
	// dropped). Default DefaultMaxResponseBytes (64 KiB).
	MaxResponseBytes int64
	// RootCAs are the CAs trusted for hook servers. Default: the system's.
	RootCAs *x509.CertPool
	// ConnsPerHost bounds the connections to one host (scheme, host,
	// port), open and idle alike: give the host cap
	// (EndpointConfig.HostMaxConcurrent), so that every request in flight
	// has a connection over HTTP/1.1 and a connection once opened is kept
	// until it idles IdleConnTimeout. Default DefaultHostMaxConcurrent.
	ConnsPerHost int
	// HTTP1Only sends every request over HTTP/1.1, ConnsPerHost
	// connections per host at most. Default off: a receiver that offers
	// HTTP/2 (by ALPN) gets it, one connection carrying every request to
	// it, which costs postload less CPU per delivery at the same rate (see
	// docs/benchmarks.md, "Protocol"); the others get HTTP/1.1.
	HTTP1Only bool
	// Egress is the SSRF guard, source address and proxy of outgoing
	// connections. The zero value blocks every internal address.
	Egress egress.TransportConfig
}

// Defaults of ClientConfig.
const (
	DefaultAttemptTimeout   = 30 * time.Second
	DefaultMaxResponseBytes = 64 << 10
	// IdleConnTimeout is how long an idle connection is kept.
	IdleConnTimeout = 90 * time.Second
)

// withDefaults returns c with every zero field set to its default.
func (c ClientConfig) withDefaults() ClientConfig {
	c.AttemptTimeout = cmp.Or(c.AttemptTimeout, DefaultAttemptTimeout)
	c.MaxResponseBytes = cmp.Or(c.MaxResponseBytes, DefaultMaxResponseBytes)
	c.ConnsPerHost = cmp.Or(c.ConnsPerHost, DefaultHostMaxConcurrent)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c ClientConfig) Validate() error {
	c = c.withDefaults()
	if c.AttemptTimeout < 0 || c.MaxResponseBytes < 0 || c.ConnsPerHost < 0 {
		return errors.New("attempt timeout, response cap and connections per host must not be negative")
	}
	return c.Egress.Dialer.Validate()
}

// newHTTPClient returns the client used for every attempt: HTTPS only,
// every connection through the egress guard, kept alive and reused,
// redirects not followed. A host gets at most ConnsPerHost connections,
// and as many are kept idle: the host cap lets no more requests at once,
// so steady delivery reuses them and opens none.
func newHTTPClient(cfg ClientConfig) (*http.Client, error) {
	tr, err := egress.NewTransport(cfg.Egress)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP1(true)
	tr.Protocols.SetHTTP2(!cfg.HTTP1Only)
	// webhook-id, webhook-timestamp and webhook-signature differ on every
	// request: indexing them in HPACK's dynamic table would only churn it
	// (hash, insert, evict) on both ends. A table of one byte indexes
	// nothing; the other headers are a few bytes each.
	tr.HTTP2 = &http.HTTP2Config{MaxEncoderHeaderTableSize: 1}
	tr.MaxIdleConns = 0 // no bound across hosts: each host's is ConnsPerHost
	tr.MaxConnsPerHost = cfg.ConnsPerHost
	tr.MaxIdleConnsPerHost = cfg.ConnsPerHost
	tr.IdleConnTimeout = IdleConnTimeout
	tr.ExpectContinueTimeout = time.Second
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is a failed attempt
		},
	}, nil
}

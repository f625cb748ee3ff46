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
	// MaxIdleConnsPerHost bounds kept-alive connections per endpoint.
	// Default DefaultMaxIdleConnsPerHost (64).
	MaxIdleConnsPerHost int
	// Egress is the SSRF guard, source address and proxy of outgoing
	// connections. The zero value blocks every internal address.
	Egress egress.TransportConfig
}

// Defaults of ClientConfig.
const (
	DefaultAttemptTimeout      = 30 * time.Second
	DefaultMaxResponseBytes    = 64 << 10
	DefaultMaxIdleConnsPerHost = 64
)

// withDefaults returns c with every zero field set to its default.
func (c ClientConfig) withDefaults() ClientConfig {
	c.AttemptTimeout = cmp.Or(c.AttemptTimeout, DefaultAttemptTimeout)
	c.MaxResponseBytes = cmp.Or(c.MaxResponseBytes, DefaultMaxResponseBytes)
	c.MaxIdleConnsPerHost = cmp.Or(c.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerHost)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c ClientConfig) Validate() error {
	c = c.withDefaults()
	if c.AttemptTimeout < 0 || c.MaxResponseBytes < 0 || c.MaxIdleConnsPerHost < 0 {
		return errors.New("attempt timeout, response cap and idle connections must not be negative")
	}
	return c.Egress.Dialer.Validate()
}

// newHTTPClient returns the client used for every attempt: HTTPS only,
// every connection through the egress guard, kept alive and reused,
// redirects not followed.
func newHTTPClient(cfg ClientConfig) (*http.Client, error) {
	tr, err := egress.NewTransport(cfg.Egress)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ForceAttemptHTTP2 = true
	// webhook-id, webhook-timestamp and webhook-signature differ on every
	// request: indexing them in HPACK's dynamic table would only churn it
	// (hash, insert, evict) on both ends. A table of one byte indexes
	// nothing; the other headers are a few bytes each.
	tr.HTTP2 = &http.HTTP2Config{MaxEncoderHeaderTableSize: 1}
	tr.MaxIdleConns = 4096
	tr.MaxIdleConnsPerHost = cfg.MaxIdleConnsPerHost
	tr.IdleConnTimeout = 90 * time.Second
	tr.ExpectContinueTimeout = time.Second
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is a failed attempt
		},
	}, nil
}

package dispatcher

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"time"
)

// ClientConfig configures the HTTPS client that makes attempts.
type ClientConfig struct {
	// AttemptTimeout bounds a whole attempt: connect, TLS, request and
	// response headers and body. Default 30s (the contract's limit).
	AttemptTimeout time.Duration
	// MaxResponseBytes is how much of a response body is read (and
	// dropped). Default 64 KiB.
	MaxResponseBytes int64
	// RootCAs are the CAs trusted for hook servers. nil: the system's.
	RootCAs *x509.CertPool
	// MaxIdleConnsPerHost bounds kept-alive connections per endpoint.
	// Default 64.
	MaxIdleConnsPerHost int
}

func (c *ClientConfig) setDefaults() {
	if c.AttemptTimeout == 0 {
		c.AttemptTimeout = 30 * time.Second
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = 64 << 10
	}
	if c.MaxIdleConnsPerHost == 0 {
		c.MaxIdleConnsPerHost = 64
	}
}

// Validate reports what to fix in c.
func (c *ClientConfig) Validate() error {
	if c.AttemptTimeout < 0 || c.MaxResponseBytes < 0 || c.MaxIdleConnsPerHost < 0 {
		return errors.New("attempt timeout, response cap and idle connections must not be negative")
	}
	return nil
}

// newHTTPClient returns the client used for every attempt: HTTPS only,
// connections kept alive and reused, redirects not followed.
func newHTTPClient(cfg ClientConfig) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is a failed attempt
		},
	}
}

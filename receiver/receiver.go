package receiver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// Limits of the server.
const (
	maxBody           = 1 << 20 // bytes of body read per request
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 5 * time.Second
	// handlerDrainTimeout bounds the wait for handlers once their
	// connections are closed: they return as soon as a read or write fails.
	handlerDrainTimeout = time.Second
)

// Run serves the receiver described by cfg until ctx is done, then shuts
// the server down gracefully (waiting up to 5 s for requests in flight)
// and returns nil. It returns an error at once if cfg is invalid, the
// address cannot be listened on or the certificate cannot be written, and
// any error that stops the server early.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	out := &lockedWriter{w: cfg.Out}
	h := &handler{status: cfg.Status, out: out, now: time.Now}
	if cfg.Secret != "" {
		v, err := newVerifier(cfg.Secret)
		if err != nil {
			return err
		}
		h.verifier = v
	}

	hosts := certHosts(cfg.Listen)
	cert, certPEM, err := Certificate(hosts)
	if err != nil {
		return err
	}
	certPath, err := filepath.Abs(cfg.CertFile)
	if err != nil {
		return fmt.Errorf("receiver: certificate path %s: %w", cfg.CertFile, err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("receiver: %w", err)
	}
	defer ln.Close() // for the early returns; Serve closes it otherwise
	if err := writeCertFile(certPath, certPEM); err != nil {
		return err
	}
	addr := ln.Addr().String()
	writeBanner(out, addr, certPath, hosts, cfg)

	srv := &http.Server{
		Handler:           h,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		// TLS handshake errors (a client that does not trust the
		// certificate) are worth seeing: they go to Out too.
		ErrorLog: log.New(out, "receiver: ", log.LstdFlags),
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	if cfg.Ready != nil {
		cfg.Ready(addr)
	}

	select {
	case err := <-served:
		return fmt.Errorf("receiver: serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(ctx, srv, h, served, shutdownTimeout)
}

// shutdown stops srv, whose Serve reports to served, gracefully: it waits
// up to timeout for the requests in flight, then closes what is left and
// waits for the handlers to return. Closing a connection that carries no
// request is no error (net/http waits up to 5 s on one that has sent no
// request yet, and on an HTTP/2 one that starts as the shutdown begins
// until the timeout); cutting a request is.
func shutdown(ctx context.Context, srv *http.Server, h *handler, served <-chan error, timeout time.Duration) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(sctx); err != nil {
		if n := h.inflight.Load(); n > 0 {
			errs = append(errs, fmt.Errorf("receiver: shutdown: %d request(s) still running after %v were cut: %w", n, timeout, err))
		}
		srv.Close()
		if !h.drained(handlerDrainTimeout) {
			errs = append(errs, fmt.Errorf("receiver: shutdown: a handler did not return within %v of closing its connection", handlerDrainTimeout))
		}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("receiver: serve: %w", err))
	}
	return errors.Join(errs...)
}

// writeBanner prints where the receiver listens and what to do next.
func writeBanner(out io.Writer, addr, certPath string, hosts []string, cfg Config) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "postload receiver listening on https://%s/ (any path)\n", urlHost(addr))
	fmt.Fprintf(&b, "certificate written to %s (valid for %s; new at every start, key kept in memory)\n",
		certPath, strings.Join(hosts, ", "))
	fmt.Fprintf(&b, "trust it with: postload serve --ca-file %s\n", certPath)
	if cfg.Secret != "" {
		b.WriteString("verifying webhook signatures with the given secret\n")
	} else {
		b.WriteString("not verifying webhook signatures (no secret given)\n")
	}
	fmt.Fprintf(&b, "answering every request with %d %s\n\n", cfg.Status, http.StatusText(cfg.Status))
	out.Write(b.Bytes()) // nothing useful to do if the terminal is gone
}

// urlHost is addr as a hook URL would name it: localhost for an
// unspecified (all interfaces) address.
func urlHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

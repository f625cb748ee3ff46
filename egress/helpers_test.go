package egress

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"testing"
)

// receiver is a TLS webhook receiver on 127.0.0.1 that records who called.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	remotes []string
}

func mustReceiver(tb testing.TB) *receiver {
	tb.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.remotes = append(rc.remotes, r.RemoteAddr)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	tb.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) calls() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.remotes...)
}

// port is the receiver's port, for building URLs with other host spellings.
func (rc *receiver) port(tb testing.TB) string {
	tb.Helper()
	u, err := url.Parse(rc.URL)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Port()
}

// mustClient returns a client over tr that trusts rc's certificate, which
// is issued for example.com, 127.0.0.1 and ::1; ServerName is pinned to
// example.com so any host spelling verifies.
func mustClient(tb testing.TB, rc *receiver, tr *http.Transport) *http.Client {
	tb.Helper()
	base := rc.Client().Transport.(*http.Transport).TLSClientConfig
	tr.TLSClientConfig = &tls.Config{RootCAs: base.RootCAs, ServerName: "example.com"}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func mustDialer(tb testing.TB, cfg DialerConfig) *Dialer {
	tb.Helper()
	d, err := NewDialer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustTransport(tb testing.TB, cfg TransportConfig) *http.Transport {
	tb.Helper()
	tr, err := NewTransport(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

func mustPrefixes(tb testing.TB, list string) []netip.Prefix {
	tb.Helper()
	p, err := ParsePrefixes(list)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// noProxy sends every request directly, whatever the environment says.
func noProxy(*http.Request) (*url.URL, error) { return nil, nil }

package egress

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// connectProxy is an HTTP CONNECT proxy on 127.0.0.1 that tunnels every
// request to one upstream (the loopback receiver), whatever host is asked
// for, and records the hosts asked for. It never dials anything else.
type connectProxy struct {
	*httptest.Server
	upstream string
	wg       sync.WaitGroup
	mu       sync.Mutex
	asked    []string
}

func mustConnectProxy(tb testing.TB, upstream string) *connectProxy {
	tb.Helper()
	p := &connectProxy{upstream: upstream}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(func() { p.Close(); p.wg.Wait() })
	return p
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.asked = append(p.asked, r.Method+" "+r.Host)
	p.mu.Unlock()
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	// Add before Hijack: httptest's Close waits for this handler until it
	// hijacks, so the cleanup's Wait never races this Add.
	p.wg.Add(2)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		p.wg.Add(-2)
		up.Close()
		return
	}
	io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	// Each direction closes both ends when it stops, so the tunnel ends
	// when either side closes.
	pipe := func(dst, src net.Conn) {
		defer p.wg.Done()
		io.Copy(dst, src)
		dst.Close()
		src.Close()
	}
	go pipe(up, conn)
	go pipe(conn, up)
}

func (p *connectProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}

func TestTransportUsesProxyOnBlockedAddress(t *testing.T) {
	rc := mustReceiver(t)
	proxy := mustConnectProxy(t, rc.Listener.Addr().String())
	proxyURL, _ := url.Parse(proxy.URL) // http://127.0.0.1:port, blocked by the default policy
	tr := mustTransport(t, TransportConfig{Proxy: http.ProxyURL(proxyURL)})
	c := mustClient(t, rc, tr)

	resp, err := c.Get("https://example.com/hook") // never resolved here: the proxy tunnels to rc
	if err != nil {
		t.Fatalf("GET through proxy: %v", err)
	}
	resp.Body.Close()
	if got := proxy.requests(); len(got) != 1 || got[0] != "CONNECT example.com:443" {
		t.Fatalf("proxy saw %v", got)
	}
	if n := len(rc.calls()); n != 1 {
		t.Fatalf("receiver got %d requests", n)
	}

	// Literal blocked hosts and localhost never reach the proxy.
	for _, u := range []string{rc.URL, "https://localhost/", "https://[::ffff:127.0.0.1]/", "https://0x7f.1/", "https://169.254.169.254/"} {
		if _, err := c.Get(u); !errors.Is(err, ErrBlocked) {
			t.Errorf("GET %s through proxy = %v, want ErrBlocked", u, err)
		}
	}
	if got := proxy.requests(); len(got) != 1 {
		t.Fatalf("proxy saw %v, want only the first CONNECT", got)
	}
}

func TestTransportDirectIsChecked(t *testing.T) {
	rc := mustReceiver(t)
	c := mustClient(t, rc, mustTransport(t, TransportConfig{Proxy: noProxy}))
	if _, err := c.Get(rc.URL); !errors.Is(err, ErrBlocked) {
		t.Fatalf("GET %s = %v, want ErrBlocked", rc.URL, err)
	}

	allowed := TransportConfig{Dialer: DialerConfig{Policy: NewPolicy(Loopback())}, Proxy: noProxy}
	c = mustClient(t, rc, mustTransport(t, allowed))
	resp, err := c.Get("https://localhost:" + rc.port(t) + "/hook")
	if err != nil {
		t.Fatalf("GET with loopback allowed: %v", err)
	}
	resp.Body.Close()
}

func TestProxyExemptionIsOnlyForTheProxy(t *testing.T) {
	d := mustDialer(t, DialerConfig{})
	proxyURL, _ := url.Parse("http://Proxy.Internal:3128")
	pick := d.proxyFunc(func(r *http.Request) (*url.URL, error) {
		if r.URL.Hostname() == "example.com" {
			return proxyURL, nil
		}
		return nil, nil // as NO_PROXY would
	})
	mustPick := func(raw string) error {
		req, err := http.NewRequest(http.MethodPost, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = pick(req)
		return err
	}
	if err := mustPick("https://example.com/hook"); err != nil {
		t.Fatal(err)
	}
	if !d.isProxy("proxy.internal:3128") {
		t.Fatal("proxy not exempt after use")
	}
	if err := mustPick("http://proxy.internal:3128/"); !errors.Is(err, ErrBlocked) {
		t.Fatalf("direct request to the proxy = %v, want ErrBlocked", err)
	}
	if err := mustPick("https://proxy.internal/"); err != nil {
		t.Fatalf("other port of the proxy host: %v (checked at dial time instead)", err)
	}
	if d.isProxy("proxy.internal:443") {
		t.Fatal("exemption leaked to another port")
	}
}

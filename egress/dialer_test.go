package egress

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// Every request here goes to the receiver on 127.0.0.1 or is refused
// before connecting; no traffic leaves loopback.

func TestDialTimeRefusal(t *testing.T) {
	rc := mustReceiver(t)
	port := rc.port(t)
	for _, host := range []string{"127.0.0.1", "localhost", "[::ffff:127.0.0.1]"} {
		t.Run(host, func(t *testing.T) {
			// A bare http.Transport with only the dialer: the refusal can
			// come only from the connect-time check.
			d := mustDialer(t, DialerConfig{})
			c := mustClient(t, rc, &http.Transport{DialContext: d.DialContext})
			_, err := c.Get("https://" + host + ":" + port + "/hook")
			var be *BlockedError
			if !errors.Is(err, ErrBlocked) || !errors.As(err, &be) {
				t.Fatalf("GET = %v, want ErrBlocked", err)
			}
			if !be.Addr.Unmap().IsLoopback() || be.Class != ClassLoopback {
				t.Fatalf("blocked %s (%s), want a loopback address: %v", be.Addr, be.Class, err)
			}
			if !strings.Contains(err.Error(), be.Addr.String()+" is loopback") {
				t.Fatalf("error does not name address and class: %v", err)
			}
			if n := len(rc.calls()); n != 0 {
				t.Fatalf("receiver got %d requests", n)
			}
		})
	}
}

func TestDialAllowedWithAllowList(t *testing.T) {
	rc := mustReceiver(t)
	port := rc.port(t)
	d := mustDialer(t, DialerConfig{Policy: NewPolicy(mustPrefixes(t, "127.0.0.0/8"))})
	c := mustClient(t, rc, &http.Transport{DialContext: d.DialContext})
	for i, host := range []string{"127.0.0.1", "localhost", "[::ffff:127.0.0.1]"} {
		resp, err := c.Get("https://" + host + ":" + port + "/hook")
		if err != nil {
			t.Fatalf("GET via %s: %v", host, err)
		}
		resp.Body.Close()
		if n := len(rc.calls()); n != i+1 {
			t.Fatalf("after %s: receiver got %d requests, want %d", host, n, i+1)
		}
		c.CloseIdleConnections()
	}
	if _, err := d.DialContext(t.Context(), "tcp", "10.0.0.1:443"); !errors.Is(err, ErrBlocked) {
		t.Fatalf("dial 10.0.0.1 with only loopback allowed = %v, want ErrBlocked", err)
	}
}

func TestDialOnlyTCP(t *testing.T) {
	d := mustDialer(t, DialerConfig{Policy: NewPolicy(mustPrefixes(t, "0.0.0.0/0,::/0"))})
	for _, network := range []string{"unix", "udp", "ip4:icmp"} {
		if _, err := d.DialContext(t.Context(), network, "127.0.0.1:53"); err == nil {
			t.Errorf("dial %s succeeded", network)
		}
	}
}

func TestSourceAddr(t *testing.T) {
	for _, src := range []string{"127.0.0.1", "127.0.0.2"} {
		t.Run(src, func(t *testing.T) {
			cfg := DialerConfig{Policy: NewPolicy(Loopback()), SourceAddr: netip.MustParseAddr(src)}
			d, err := NewDialer(cfg)
			if err != nil && src != "127.0.0.1" {
				t.Skipf("this host cannot bind %s: %v", src, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			rc := mustReceiver(t)
			c := mustClient(t, rc, &http.Transport{DialContext: d.DialContext})
			resp, err := c.Get(rc.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			calls := rc.calls()
			if len(calls) != 1 {
				t.Fatalf("receiver calls = %v", calls)
			}
			if host, _, _ := net.SplitHostPort(calls[0]); host != src {
				t.Fatalf("receiver saw %s, want source %s", calls[0], src)
			}
		})
	}
}

func TestDialerConfigErrors(t *testing.T) {
	tests := []struct {
		name      string
		cfg       DialerConfig
		wantInErr string
	}{
		{"not local", DialerConfig{SourceAddr: netip.MustParseAddr("192.0.2.1")}, "cannot be bound"},
		{"unspecified", DialerConfig{SourceAddr: netip.MustParseAddr("0.0.0.0")}, "leave it unset"},
		{"multicast", DialerConfig{SourceAddr: netip.MustParseAddr("224.0.0.1")}, "unicast"},
		{"negative timeout", DialerConfig{Timeout: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		if _, err := NewDialer(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
			t.Errorf("%s: NewDialer error = %v, want it to contain %q", tt.name, err, tt.wantInErr)
		}
	}
}

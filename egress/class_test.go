package egress

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckBlocksEveryClass(t *testing.T) {
	tests := []struct {
		addr     string
		class    Class
		embedded string // IPv4 address that decided, if any
	}{
		{"127.0.0.1", ClassLoopback, ""},
		{"127.255.255.254", ClassLoopback, ""},
		{"::1", ClassLoopback, ""},
		{"10.0.0.1", ClassPrivate, ""},
		{"172.16.0.1", ClassPrivate, ""},
		{"172.31.255.255", ClassPrivate, ""},
		{"192.168.1.1", ClassPrivate, ""},
		{"100.64.0.1", ClassCGNAT, ""},
		{"100.127.255.255", ClassCGNAT, ""},
		{"169.254.169.254", ClassLinkLocal, ""},
		{"169.254.0.1", ClassLinkLocal, ""},
		{"fe80::1", ClassLinkLocal, ""},
		{"fe80::1%eth0", ClassLinkLocal, ""},
		{"febf:ffff::1", ClassLinkLocal, ""},
		{"fc00::1", ClassUniqueLocal, ""},
		{"fd12:3456:789a::1", ClassUniqueLocal, ""},
		{"224.0.0.1", ClassMulticast, ""},
		{"239.255.255.250", ClassMulticast, ""},
		{"ff02::1", ClassMulticast, ""},
		{"ff0e::1", ClassMulticast, ""},
		{"0.0.0.0", ClassUnspecified, ""},
		{"0.1.2.3", ClassUnspecified, ""},
		{"::", ClassUnspecified, ""},
		{"255.255.255.255", ClassBroadcast, ""},
		{"240.0.0.1", ClassReserved, ""},
		{"192.0.2.1", ClassReserved, ""},
		{"198.18.0.1", ClassReserved, ""},
		{"2001:db8::1", ClassReserved, ""},
		{"fec0::1", ClassReserved, ""},
		{"100::1", ClassReserved, ""},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", ClassTeredo, ""},
		{"64:ff9b:1::a00:1", ClassPrivate, ""},
		// IPv4-mapped.
		{"::ffff:127.0.0.1", ClassLoopback, "127.0.0.1"},
		{"::ffff:10.0.0.1", ClassPrivate, "10.0.0.1"},
		{"::ffff:169.254.169.254", ClassLinkLocal, "169.254.169.254"},
		{"::ffff:0.0.0.0", ClassUnspecified, "0.0.0.0"},
		{"::ffff:100.64.0.1", ClassCGNAT, "100.64.0.1"},
		{"::ffff:224.0.0.1", ClassMulticast, "224.0.0.1"},
		{"::ffff:255.255.255.255", ClassBroadcast, "255.255.255.255"},
		// IPv4-compatible: blocked with the embedded class, or reserved.
		{"::127.0.0.1", ClassLoopback, "127.0.0.1"},
		{"::10.0.0.1", ClassPrivate, "10.0.0.1"},
		{"::93.184.215.14", ClassReserved, ""},
		// NAT64.
		{"64:ff9b::127.0.0.1", ClassLoopback, "127.0.0.1"},
		{"64:ff9b::a9fe:a9fe", ClassLinkLocal, "169.254.169.254"},
		{"64:ff9b::192.168.0.1", ClassPrivate, "192.168.0.1"},
		// 6to4.
		{"2002:7f00:1::1", ClassLoopback, "127.0.0.1"},
		{"2002:a00:1::", ClassPrivate, "10.0.0.1"},
		{"2002:a9fe:a9fe:1::1", ClassLinkLocal, "169.254.169.254"},
	}
	p := NewPolicy(nil)
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			addr := netip.MustParseAddr(tt.addr)
			err := p.Check(addr)
			var be *BlockedError
			if !errors.Is(err, ErrBlocked) || !errors.As(err, &be) {
				t.Fatalf("Check(%s) = %v, want a *BlockedError", tt.addr, err)
			}
			if be.Class != tt.class {
				t.Errorf("class = %q, want %q", be.Class, tt.class)
			}
			if got := be.Embedded.String(); tt.embedded != "" && got != tt.embedded {
				t.Errorf("embedded = %s, want %s", got, tt.embedded)
			}
			if be.Addr != addr || !strings.Contains(err.Error(), addr.String()) ||
				!strings.Contains(err.Error(), string(tt.class)) {
				t.Errorf("error %q does not name %s and %s", err, tt.addr, tt.class)
			}
		})
	}
}

func TestCheckAllowsPublic(t *testing.T) {
	for _, a := range []string{
		"93.184.215.14", "8.8.8.8", "1.1.1.1", "223.255.255.255",
		"100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
		"192.167.255.255", "192.169.0.0", "169.253.255.255", "11.0.0.1",
		"2606:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::1",
		"::ffff:93.184.215.14", "64:ff9b::93.184.215.14", "2002:5db8:d70e::1",
		"2001:1::1", "3fff:1000::1",
	} {
		if err := NewPolicy(nil).Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("Check(%s) = %v, want nil", a, err)
		}
	}
}

func TestCheckInvalid(t *testing.T) {
	var be *BlockedError
	if err := NewPolicy(nil).Check(netip.Addr{}); !errors.As(err, &be) || be.Class != ClassInvalid {
		t.Fatalf("Check(zero) = %v, want class invalid", err)
	}
}

func TestDefaultBlockedIsACopyOfMaskedPrefixes(t *testing.T) {
	list := DefaultBlocked()
	for _, r := range list {
		if r.Prefix.Masked() != r.Prefix {
			t.Errorf("%s is not masked", r.Prefix)
		}
		if r.Class == "" && r.IPv4At == 0 {
			t.Errorf("%s blocks nothing", r.Prefix)
		}
	}
	list[0].Class = "changed"
	if DefaultBlocked()[0].Class == "changed" {
		t.Fatal("DefaultBlocked returned the table itself")
	}
}

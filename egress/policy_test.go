package egress

import (
	"errors"
	"net/netip"
	"testing"
)

func TestAllowListOpensOnlyChosenRanges(t *testing.T) {
	tests := []struct {
		allow   string
		open    []string
		blocked []string
	}{
		{"", nil, []string{"127.0.0.1", "::1", "10.0.0.1"}},
		{
			"127.0.0.0/8",
			[]string{"127.0.0.1", "127.1.2.3", "::ffff:127.0.0.1"},
			[]string{"::1", "10.0.0.1", "169.254.169.254", "192.168.0.1"},
		},
		{"127.0.0.0/8,::1/128", []string{"127.0.0.1", "::1"}, []string{"10.0.0.1", "fe80::1"}},
		{"10.1.0.0/16", []string{"10.1.2.3", "::ffff:10.1.2.3"}, []string{"10.2.0.1", "127.0.0.1"}},
		{"169.254.169.254", []string{"169.254.169.254"}, []string{"169.254.169.253"}},
		{"fd00::/8", []string{"fd00::1", "fd12::1"}, []string{"fc00::1", "::1"}},
		{"fe80::/10", []string{"fe80::1%eth0"}, nil},
		// An embedded address is not opened by allowing the IPv4 range.
		{"10.0.0.0/8", nil, []string{"64:ff9b::a00:1", "2002:a00:1::1"}},
		{"64:ff9b::a00:0/104", []string{"64:ff9b::a00:1"}, []string{"10.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.allow, func(t *testing.T) {
			p := NewPolicy(mustPrefixes(t, tt.allow))
			for _, a := range tt.open {
				if err := p.Check(netip.MustParseAddr(a)); err != nil {
					t.Errorf("Check(%s) = %v, want allowed", a, err)
				}
			}
			for _, a := range tt.blocked {
				if err := p.Check(netip.MustParseAddr(a)); !errors.Is(err, ErrBlocked) {
					t.Errorf("Check(%s) = %v, want ErrBlocked", a, err)
				}
			}
		})
	}
}

func TestNilPolicyIsDefault(t *testing.T) {
	var p *Policy
	if err := p.Check(netip.MustParseAddr("127.0.0.1")); !errors.Is(err, ErrBlocked) {
		t.Fatalf("nil policy: Check(127.0.0.1) = %v, want ErrBlocked", err)
	}
	if err := p.Check(netip.MustParseAddr("93.184.215.14")); err != nil {
		t.Fatalf("nil policy: Check(public) = %v", err)
	}
	if p.Allowed() != nil {
		t.Fatal("nil policy allows something")
	}
}

func TestNewPolicyCopiesAllowList(t *testing.T) {
	allow := Loopback()
	p := NewPolicy(allow)
	allow[0] = netip.MustParsePrefix("10.0.0.0/8")
	if err := p.Check(netip.MustParseAddr("10.0.0.1")); err == nil {
		t.Fatal("changing the caller's slice changed the policy")
	}
	if got := p.Allowed(); len(got) != 2 || got[0].String() != "127.0.0.0/8" {
		t.Fatalf("Allowed() = %v", got)
	}
}

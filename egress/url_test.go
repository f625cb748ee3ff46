package egress

import (
	"errors"
	"net/netip"
	"net/url"
	"testing"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url   string
		class Class // "" with ok: allowed
		ok    bool
		inval bool // ErrInvalidURL
	}{
		{url: "https://example.com/hook", ok: true},
		{url: "https://93.184.215.14/", ok: true},
		{url: "https://[2606:4700::1111]:8443/x", ok: true},
		{url: "https://localhost.example.com/", ok: true},
		{url: "https://93.184.215.14.nip.io/", ok: true}, // a name: checked at dial time
		{url: "https://1.2.3.0x/", ok: true},             // 1.2.3.0
		{url: "https://127.0.0.1/", class: ClassLoopback},
		{url: "https://127.0.0.1:8443/x?y=1", class: ClassLoopback},
		{url: "https://user:pw@127.0.0.1/", class: ClassLoopback},
		{url: "https://[::1]/", class: ClassLoopback},
		{url: "https://[::ffff:127.0.0.1]/", class: ClassLoopback},
		{url: "https://[::ffff:7f00:1]:443/", class: ClassLoopback},
		{url: "https://[64:ff9b::7f00:1]/", class: ClassLoopback},
		{url: "https://[2002:7f00:1::]/", class: ClassLoopback},
		{url: "https://2130706433/", class: ClassLoopback},
		{url: "https://0x7f.1/", class: ClassLoopback},
		{url: "https://0X7F000001/", class: ClassLoopback},
		{url: "https://0177.0.0.1/", class: ClassLoopback},
		{url: "https://017700000001/", class: ClassLoopback},
		{url: "https://127.1/", class: ClassLoopback},
		{url: "https://127.0.1/", class: ClassLoopback},
		{url: "https://127.0.0.1./", class: ClassLoopback},
		{url: "https://%31%32%37.0.0.1/", inval: true}, // Go refuses escapes here
		{url: "https://localhost/", class: ClassLoopback},
		{url: "https://LOCALHOST.:8443/", class: ClassLoopback},
		{url: "https://api.localhost/", class: ClassLoopback},
		{url: "https://0/", class: ClassUnspecified},
		{url: "https://0.0.0.0/", class: ClassUnspecified},
		{url: "https://[::]/", class: ClassUnspecified},
		{url: "https://10.0.0.1/", class: ClassPrivate},
		{url: "https://012.0.0.1/", class: ClassPrivate},
		{url: "https://192.168.0.1./", class: ClassPrivate},
		{url: "https://169.254.169.254/latest/meta-data/", class: ClassLinkLocal},
		{url: "https://0xa9fea9fe/", class: ClassLinkLocal},
		{url: "https://0251.0376.0251.0376/", class: ClassLinkLocal},
		{url: "https://[fe80::1%25eth0]/", class: ClassLinkLocal},
		{url: "https://[fd00::1]/", class: ClassUniqueLocal},
		{url: "https://100.64.0.1/", class: ClassCGNAT},
		{url: "https://224.0.0.1/", class: ClassMulticast},
		{url: "https://[ff02::1]/", class: ClassMulticast},
		{url: "https://255.255.255.255/", class: ClassBroadcast},
		{url: "https://4294967295/", class: ClassBroadcast},
		{url: "https://256.0.0.1/", inval: true},
		{url: "https://1.2.3.4.5/", inval: true},
		{url: "https://4294967296/", inval: true},
		{url: "https://08/", inval: true},
		{url: "https://example.123/", inval: true},
		{url: "https://1.256.0/", inval: true}, // last part fills 2 bytes; 256 in part 2 overflows
		{url: "https://", inval: true},
		{url: "https://:443/", inval: true},
		{url: "://nope", inval: true},
		{url: "https://[::1/", inval: true},
	}
	p := NewPolicy(nil)
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := p.CheckURL(tt.url)
			var be *BlockedError
			switch {
			case tt.ok:
				if err != nil {
					t.Fatalf("CheckURL = %v, want nil", err)
				}
			case tt.inval:
				if !errors.Is(err, ErrInvalidURL) {
					t.Fatalf("CheckURL = %v, want ErrInvalidURL", err)
				}
			case !errors.As(err, &be) || !errors.Is(err, ErrBlocked):
				t.Fatalf("CheckURL = %v, want a *BlockedError", err)
			case be.Class != tt.class:
				t.Fatalf("class = %q, want %q (%v)", be.Class, tt.class, err)
			case be.Host == "":
				t.Fatalf("error does not name the host: %v", err)
			}
		})
	}
}

func TestCheckURLHonoursAllowList(t *testing.T) {
	p := NewPolicy(Loopback())
	for _, u := range []string{"https://localhost:8443/", "https://127.0.0.1/", "https://0x7f.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%s) with loopback allowed = %v", u, err)
		}
	}
	if err := p.CheckURL("https://10.0.0.1/"); !errors.Is(err, ErrBlocked) {
		t.Errorf("CheckURL(10.0.0.1) with loopback allowed = %v, want ErrBlocked", err)
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/", "https://127.0.0.1/", "https://[::ffff:127.0.0.1]/",
		"https://0x7f.1/", "https://2130706433/", "https://0177.0.0.1/", "https://localhost./",
		"https://[fe80::1%25eth0]:8443/", "https://1.2.3.4.5/", "https://%31%32%37.0.0.1/",
		"https://0x/", "https://./", "https://..0/",
	} {
		f.Add(s)
	}
	p := NewPolicy(nil)
	f.Fuzz(func(t *testing.T, raw string) {
		err := p.CheckURL(raw)
		if err != nil && !errors.Is(err, ErrBlocked) && !errors.Is(err, ErrInvalidURL) {
			t.Fatalf("CheckURL(%q) = %v: neither ErrBlocked nor ErrInvalidURL", raw, err)
		}
		if err != nil {
			return
		}
		// What passes must not be a blocked literal in standard form.
		u, _ := url.Parse(raw)
		if a, perr := netip.ParseAddr(u.Hostname()); perr == nil && p.Check(a) != nil {
			t.Fatalf("CheckURL(%q) passed a blocked address %s", raw, a)
		}
	})
}

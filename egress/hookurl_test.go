package egress

import (
	"errors"
	"net/url"
	"testing"
)

func TestNormalizeURL(t *testing.T) {
	tests := []struct {
		in, want string // want "" : refused with ErrInvalidURL
	}{
		{"https://example.com/hook", "https://example.com/hook"},
		{"HTTPS://example.com/x", "https://example.com/x"},
		{"Https://Example.COM/Path?Token=AbC", "https://example.com/Path?Token=AbC"},
		{"https://EXAMPLE.com:/x", "https://example.com/x"},
		{"https://example.com:443/", "https://example.com:443/"},
		{"https://example.com:0443/p", "https://example.com:443/p"},
		{"https://example.com./", "https://example.com./"},
		{"https://bücher.de/", "https://xn--bcher-kva.de/"},
		{"https://ｅｘａｍｐｌｅ．ｃｏｍ/", "https://example.com/"},
		{"https://x/a%2Fb?q=%20#frag", "https://x/a%2Fb?q=%20#frag"},
		// Addresses in any spelling are written as the address dialed.
		{"https://１２７。０。０。１/", "https://127.0.0.1/"},
		{"https://１２７．０．０．１:8443/", "https://127.0.0.1:8443/"},
		{"https://2130706433/", "https://127.0.0.1/"},
		{"https://0x7f.1/", "https://127.0.0.1/"},
		{"https://0177.0.0.1/", "https://127.0.0.1/"},
		{"https://[::FFFF:7f00:1]/", "https://[::ffff:127.0.0.1]/"},
		{"https://[2606:4700:0::1111]:8443/x", "https://[2606:4700::1111]:8443/x"},
		// Refused.
		{"http://example.com/", ""},
		{"ftp://example.com/", ""},
		{"https:example.com", ""},
		{"https:///x", ""},
		{"https://u:p@example.com/", ""},
		{"https://example.com:0/", ""},
		{"https://example.com:65536/", ""},
		{"https://example.com:99999999999999999999/", ""},
		{"https://a..b/", ""},
		{"https://.example.com/", ""},
		{"https://" + string(make([]byte, 64)) + ".com/", ""},
		{"https://My_App.example.com/", "https://my_app.example.com/"},
		{"https://a\u200db.example.com/", ""},
		{"https://1.2.3.4.5/", ""},
		{"https://256.0.0.1/", ""},
		{"https://[fe80::1%25eth0]/", ""},
		{"https://[127.0.0.1]/", ""},
		{"https://%31%32%37.0.0.1/", ""},
		{"https://example.com/" + string(make([]byte, MaxURLLen)), ""},
	}
	for _, tt := range tests {
		got, err := NormalizeURL(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidURL) {
				t.Errorf("NormalizeURL(%q) = %q, %v; want ErrInvalidURL", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if again, err := NormalizeURL(got); err != nil || again != got {
			t.Errorf("NormalizeURL(%q) = %q, %v; a normal form must be its own", got, again, err)
		}
	}
}

// TestNormalizedAddressIsJudged: a host that IDNA maps to an address is
// judged as that address, at creation and before a request is handed to a
// proxy.
func TestNormalizedAddressIsJudged(t *testing.T) {
	for _, raw := range []string{
		"https://１２７。０。０。１/", "https://１０．０．０．１/x", "https://[::ffff:7f00:1]/",
		"https://０ｘ７ｆ.1/", "https://１６９．２５４．１６９．２５４/latest/meta-data/",
	} {
		n, err := NormalizeURL(raw)
		if err != nil {
			t.Fatalf("NormalizeURL(%q): %v", raw, err)
		}
		if err := (*Policy)(nil).CheckURL(n); !errors.Is(err, ErrBlocked) {
			t.Errorf("CheckURL(%q) (from %q) = %v, want blocked", n, raw, err)
		}
		// A URL stored before normalization existed is judged the same way.
		if err := (*Policy)(nil).CheckURL(raw); !errors.Is(err, ErrBlocked) {
			t.Errorf("CheckURL(%q) = %v, want blocked", raw, err)
		}
	}
}

func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{"https://example.com/x", "HTTPS://１２７。０。０。１:443/a?b#c", "https://[::1]:8/", "https://a..b/", "https://0x7f.1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := NormalizeURL(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("NormalizeURL(%q): error %v does not wrap ErrInvalidURL", raw, err)
			}
			return
		}
		again, err := NormalizeURL(n)
		if err != nil || again != n {
			t.Fatalf("NormalizeURL(%q) = %q; NormalizeURL of that = %q, %v", raw, n, again, err)
		}
		u, err := url.Parse(n)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
			t.Fatalf("NormalizeURL(%q) = %q: not an https URL with a host", raw, n)
		}
	})
}

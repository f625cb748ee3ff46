package email

import "testing"

func TestShownURL(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"https://hooks.example.com/catch/8", "https://hooks.example.com/catch/8"},
		{"https://hooks.example.com/catch?token=abc", "https://hooks.example.com/catch"},
		{"https://u:p@hooks.example.com:8443/c?t=1#f", "https://hooks.example.com:8443/c"},
		{"https://hooks.example.com/c?", "https://hooks.example.com/c"},
		{"https://hooks.example.com/c#frag", "https://hooks.example.com/c"},
		{"https://u:p@h/%zz?token=abc", "https://h/%zz"}, // does not parse
	} {
		if got := shownURL(tc.raw); got != tc.want {
			t.Errorf("shownURL(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	const text = `Post "https://h.example/c?token=abc": dial tcp: refused; redirect to HTTP://other/x?sig=1`
	const want = `Post "https://h.example/c": dial tcp: refused; redirect to http://other/x`
	if got := scrubURLs(text); got != want {
		t.Errorf("scrubURLs = %q, want %q", got, want)
	}
}

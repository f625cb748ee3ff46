package hook

import (
	"net/mail"
	"net/url"
)

// Longest accepted hook URL and email address.
const (
	maxURLLen   = 2048
	maxEmailLen = 254
)

// validURL reports whether u is an absolute https:// URL with a host and
// no user info (credentials in a URL end up in logs and metrics).
func validURL(u string) bool {
	if len(u) > maxURLLen {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && p.Scheme == "https" && p.Opaque == "" && p.Hostname() != "" && p.User == nil
}

// validEmail reports whether a is a bare email address ("ops@example.com",
// not "Ops <ops@example.com>").
func validEmail(a string) bool {
	if len(a) > maxEmailLen {
		return false
	}
	p, err := mail.ParseAddress(a)
	return err == nil && p.Name == "" && p.Address == a
}

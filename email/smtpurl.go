package email

import (
	"fmt"
	"net/url"
	"strconv"
)

// smtpTarget is a parsed Config.SMTPURL.
type smtpTarget struct {
	host     string
	port     int
	implicit bool // smtps: TLS from the first byte
	user     string
	pass     string
	auth     bool   // user info was given
	redacted string // the URL without its password, for logs
}

// parseSMTPURL parses "smtp://[user:pass@]host[:port]" or the same with
// "smtps://"; errors say what to fix and never show the password.
func parseSMTPURL(raw string) (*smtpTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("email: SMTPURL does not parse as a URL: use smtp://user:pass@host:587 or smtps://user:pass@host:465")
	}
	t := &smtpTarget{host: u.Hostname(), redacted: u.Redacted()}
	switch u.Scheme {
	case "smtp":
		t.port = 587
	case "smtps":
		t.port, t.implicit = 465, true
	default:
		return nil, fmt.Errorf("email: SMTPURL %s has scheme %q: use smtp:// (STARTTLS when offered) or smtps:// (implicit TLS)", t.redacted, u.Scheme)
	}
	if t.host == "" {
		return nil, fmt.Errorf("email: SMTPURL %s has no host: use %s://host:port", t.redacted, u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("email: SMTPURL %s has port %q: use 1..65535", t.redacted, p)
		}
		t.port = n
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("email: SMTPURL %s has a path, query or fragment, which mean nothing here: remove them", t.redacted)
	}
	if u.User != nil {
		t.auth = true
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
	}
	return t, nil
}

package email

import (
	"net/url"
	"regexp"
	"strings"
)

// shownURL is raw as an email shows it: without user info, query and
// fragment, which often carry the receiver's token (the path stays, so that
// the reader knows the hook). A URL that does not parse shows up to its
// first '?' or '#', without anything before an '@' in its authority.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		s, _, _ := strings.Cut(raw, "?")
		s, _, _ = strings.Cut(s, "#")
		if scheme, rest, ok := strings.Cut(s, "://"); ok {
			if at := strings.LastIndexByte(rest, '@'); at >= 0 && !strings.Contains(rest[:at], "/") {
				rest = rest[at+1:]
			}
			s = scheme + "://" + rest
		}
		return s
	}
	u.User = nil
	u.RawQuery, u.ForceQuery = "", false
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// urlInText finds the URLs in an error text, as Go's HTTP client writes
// them (Post "https://...": ...), also redirect targets.
var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>]+`)

// scrubURLs replaces every URL in text with its shownURL.
func scrubURLs(text string) string {
	return urlInText.ReplaceAllStringFunc(text, shownURL)
}

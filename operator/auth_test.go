package operator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The JSON view answers 401 without the token and with another one, 200
// with it; the token is compared whole.
func TestJSONNeedsTheOperatorToken(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		name, tok string
		want      int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong", "op-token-not-the-right-one", http.StatusUnauthorized},
		{"prefix of it", opToken[:len(opToken)-1], http.StatusUnauthorized},
		{"an account's API token", "pl_tokenOfAccountA", http.StatusUnauthorized},
		{"the operator token", opToken, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, h := e.getJSON(t, tc.tok)
			if status != tc.want {
				t.Fatalf("status %d, want %d", status, tc.want)
			}
			if status == http.StatusUnauthorized && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer: %q", h.Get("WWW-Authenticate"))
			}
		})
	}
	// A session cookie is no bearer token: the JSON view wants the header.
	b := e.browser(t)
	b.signIn()
	if resp, _ := b.get(JSONPath); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("JSON view with a session cookie only: %d, want 401", resp.StatusCode)
	}
}

// The HTML view: 401 (the sign-in page) until signed in with the operator
// token, a cookie that scripts and other sites cannot use, sign-out with
// the CSRF token only, cross-origin posts refused.
func TestHTMLSignInAndOut(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != Prefix {
		t.Errorf("GET /: %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), Prefix)
	}
	if resp, body := b.get(Prefix); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `id="token"`) {
		t.Fatalf("overview signed out: %d, want 401 and the sign-in form", resp.StatusCode)
	}
	resp, body := b.post(Prefix+"signin", url.Values{"token": {"op-token-wrong-wrong-wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, msgBadToken) {
		t.Fatalf("wrong token: %d %s", resp.StatusCode, body)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("a wrong token got a cookie: %v", resp.Cookies())
	}
	resp, _ = b.post(Prefix+"signin", url.Values{"token": {opToken}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != Prefix {
		t.Fatalf("sign in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := resp.Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != Prefix || strings.Contains(c.Value, opToken) || len(c.Value) < 40 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=%s, a random id and not the token", c, Prefix)
	}
	page := func() (int, string) { r, body := b.get(Prefix); return r.StatusCode, body }
	status, body := page()
	if status != 200 || !strings.Contains(body, `id="lag"`) {
		t.Fatalf("overview signed in: %d", status)
	}
	if strings.Contains(body, opToken) {
		t.Error("the page shows the operator token")
	}

	// Sign-out without the CSRF token is refused; with it the session ends.
	if resp, _ := b.post(Prefix+"signout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if status, _ := page(); status != 200 {
		t.Fatalf("the session ended on a refused sign-out: %d", status)
	}
	if resp, _ := b.post(Prefix+"signout", url.Values{"csrf": {csrfOf(t, body)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out: %d, want 303", resp.StatusCode)
	}
	if status, _ := page(); status != http.StatusUnauthorized {
		t.Errorf("overview after sign-out: %d, want 401", status)
	}
	if n := e.op.sessions.Len(); n != 0 {
		t.Errorf("%d sessions kept after sign-out", n)
	}

	// A cross-site form cannot sign anyone in.
	req, _ := http.NewRequest("POST", e.srv.URL+Prefix+"signin", strings.NewReader(url.Values{"token": {opToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := b.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", resp.StatusCode)
	}
}

// Every answer, pages, JSON, 404s, has the strict headers; unknown paths
// are 404.
func TestSecurityHeadersAndNotFound(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	for _, path := range []string{Prefix, Prefix + "signin", JSONPath, Prefix + "nope", "/nope", Prefix + "static/operator.css"} {
		resp, _ := b.get(path)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
	for _, path := range []string{Prefix + "nope", "/nope", Prefix + "api/nope"} {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// While the registry catches up, both views answer 503.
func TestNotReadyIs503(t *testing.T) {
	e := newEnv(t, nil)
	e.hooks.ready = false
	if status, _, _ := e.getJSON(t, opToken); status != http.StatusServiceUnavailable {
		t.Errorf("JSON: %d, want 503", status)
	}
	b := e.browser(t)
	b.post(Prefix+"signin", url.Values{"token": {opToken}})
	if resp, _ := b.get(Prefix); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("HTML: %d, want 503", resp.StatusCode)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Token: opToken, Hooks: &fakeHooks{}, DeadLetters: &fakeDeadLetters{}, Offsets: &fakeOffsets{}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"ok", func(*Config) {}, ""},
		{"no token", func(c *Config) { c.Token = "" }, "give one of at least 16"},
		{"short token", func(c *Config) { c.Token = "short" }, "the token has 5 characters"},
		{"no hooks", func(c *Config) { c.Hooks = nil }, "Config.Hooks is nil"},
		{"no dead letters", func(c *Config) { c.DeadLetters = nil }, "Config.DeadLetters is nil"},
		{"no offsets", func(c *Config) { c.Offsets = nil }, "Config.Offsets is nil"},
		{"ratio", func(c *Config) { c.FailureRatio = 1.5 }, "FailureRatio 1.5"},
		{"hours", func(c *Config) { c.DeadLetterHours = 1000 }, "at most 168 hours"},
		{"window", func(c *Config) { c.BreakerWindow = -time.Second }, "BreakerWindow -1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

package console

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestEveryAnswerHasTheSecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	anon := e.browser(t)
	for _, tc := range []struct {
		name string
		b    *browser
		path string
	}{
		{"sign-in page", anon, "signin"},
		{"signed out", anon, "hooks"},
		{"hooks page", b, "hooks"},
		{"unknown path", b, "nothing/here"},
		{"stylesheet", anon, "static/console.css"},
		{"script", anon, "static/console.js"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := tc.b.get(tc.path)
			h := resp.Header
			c := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(c, want) {
					t.Errorf("CSP %q lacks %q", c, want)
				}
			}
			if strings.Contains(c, "unsafe-inline") || strings.Contains(c, "unsafe-eval") {
				t.Errorf("CSP allows inline code: %q", c)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Frame-Options %q, X-Content-Type-Options %q", h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
			}
		})
	}
	// Pages show an account's data and secrets: never cached.
	if resp, _ := b.get("hooks"); resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("hooks page Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Tester = fakeTester{}
		c.Attempts = &fakeAttempts{}
		c.AutoDisable = fakeAutoDisable{}
	})
	b := e.signedIn(t, tokA)
	b.submit("hooks", url.Values{"destination_id": {"1"}, "url": {"https://a.example/h"}})
	for _, p := range []string{"hooks", "hooks/1", "hooks/1?show=secret", "hooks/1/delete", "hooks/1/live", "recipients"} {
		_, body := b.get(p)
		for _, bad := range []string{"<script>", "<style", " style=", " onclick=", " onsubmit=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s has %q, which the CSP blocks", p, bad)
			}
		}
	}
}

func TestSignInKeepsOnlyARandomSessionIDInTheCookie(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser(t)
	resp, body := b.post("signin", url.Values{"token": {"pl_wrong"}})
	mustStatus(t, "wrong token", resp, body, http.StatusUnauthorized)
	if len(resp.Cookies()) != 0 || !strings.Contains(body, "Unknown token") {
		t.Errorf("a wrong token got cookies %v or no message:\n%s", resp.Cookies(), body)
	}
	resp, body = b.post("signin", url.Values{"token": {tokA}})
	mustStatus(t, "sign in", resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != Prefix+"hooks" {
		t.Errorf("sign in redirects to %q", loc)
	}
	cs := resp.Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies %v, want one", cs)
	}
	c := cs[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != Prefix || c.Secure {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=%s, not Secure over plain HTTP", c, Prefix)
	}
	if strings.Contains(c.Value, strings.TrimPrefix(tokA, "pl_")) || len(c.Value) != 43 {
		t.Errorf("cookie value %q: want a 43-character random id, not the token", c.Value)
	}
	if strings.Contains(resp.Header.Get("Location"), "token") {
		t.Error("the token is in the redirect")
	}
	if resp, body := b.get("hooks"); resp.StatusCode != 200 || !strings.Contains(body, "account 116078") {
		t.Errorf("hooks after sign-in: %d\n%s", resp.StatusCode, body)
	}
}

func TestCookieIsSecureOverTLS(t *testing.T) {
	e := newEnv(t, nil)
	srv := httptest.NewTLSServer(e.srv.Config.Handler)
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(srv.URL+Prefix+"signin", url.Values{"token": {tokA}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cs := resp.Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("cookies over TLS %v: want one, Secure", cs)
	}
}

func TestWithoutASessionEveryPageAndActionIs401(t *testing.T) {
	e := newEnv(t, nil)
	h, _ := e.reg.CreateHook(t.Context(), clientA, 1, "https://a.example/h")
	anon := e.browser(t)
	id := strconv.FormatInt(h.ID, 10)
	for _, p := range []string{"hooks", "hooks/" + id, "recipients"} {
		resp, body := anon.get(p)
		mustStatus(t, "GET "+p, resp, body, http.StatusUnauthorized)
		if !strings.Contains(body, `name="token"`) {
			t.Errorf("GET %s signed out does not offer the sign-in form", p)
		}
	}
	for _, p := range []string{"hooks", "hooks/" + id + "/disable", "hooks/" + id + "/delete", "recipients"} {
		resp, body := anon.post(p, url.Values{"csrf": {"x"}})
		mustStatus(t, "POST "+p, resp, body, http.StatusUnauthorized)
	}
	if got, _ := e.reg.Hook(h.ID); !got.Enabled() {
		t.Error("a signed-out POST disabled the hook")
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	u, _ := url.Parse(e.srv.URL + Prefix)
	old := b.c.Jar.Cookies(u)
	resp, body := b.post("signout", nil)
	mustStatus(t, "sign out", resp, body, http.StatusSeeOther)
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 || cs[0].Value != "" {
		t.Errorf("sign out cookies %v: want the cookie cleared", cs)
	}
	if resp, body := b.get("hooks"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d\n%s", resp.StatusCode, body)
	}
	// The old cookie, kept by someone, no longer works either.
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, old)
	b.c.Jar = jar
	if resp, _ := b.get("hooks"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the signed-out session id still works: %d", resp.StatusCode)
	}
}

func TestARemovedTokenEndsItsSessions(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	e.tokens.remove(tokA)
	if resp, _ := b.get("hooks"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session of a removed token: %d, want 401", resp.StatusCode)
	}
}

func TestSessionsExpireAndAreBounded(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSessions = 2; c.SessionTTL = time.Hour })
	first := e.signedIn(t, tokA)
	e.now = e.now.Add(time.Minute)
	second := e.signedIn(t, tokA)
	third := e.signedIn(t, tokB) // ends the one expiring first
	if n := e.cons.sessions.Len(); n != 2 {
		t.Errorf("%d sessions kept, want 2", n)
	}
	if resp, _ := first.get("hooks"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the oldest session survived the bound: %d", resp.StatusCode)
	}
	if resp, _ := second.get("hooks"); resp.StatusCode != 200 {
		t.Errorf("second session: %d", resp.StatusCode)
	}
	e.now = e.now.Add(time.Hour)
	if resp, _ := third.get("hooks"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a session past its TTL: %d, want 401", resp.StatusCode)
	}
}

func TestAChangeWithoutTheSessionsCSRFTokenIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	a := e.signedIn(t, tokA)
	other := e.signedIn(t, tokA) // another session of the same account
	a.submit("hooks", url.Values{"destination_id": {"1"}, "url": {"https://a.example/h"}})
	wrong := "x" + a.csrf[1:]
	if wrong == a.csrf { // a token that starts with x (1 in 64)
		wrong = "y" + a.csrf[1:]
	}
	for _, tc := range []struct {
		name string
		form url.Values
	}{
		{"none", url.Values{}},
		{"empty", url.Values{"csrf": {""}}},
		{"wrong", url.Values{"csrf": {wrong}}},
		{"another session's", url.Values{"csrf": {other.csrf}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := a.post("hooks/1/disable", tc.form)
			mustStatus(t, "disable", resp, body, http.StatusForbidden)
			if !strings.Contains(body, "expired") {
				t.Errorf("no message:\n%s", body)
			}
		})
	}
	if h, _ := e.reg.Hook(1); !h.Enabled() {
		t.Fatal("a POST without the CSRF token disabled the hook")
	}
	resp, body := a.submit("hooks/1/disable", nil)
	mustStatus(t, "disable with the token", resp, body, http.StatusSeeOther)
	if h, _ := e.reg.Hook(1); h.Enabled() {
		t.Error("the hook is still enabled")
	}
}

func TestACrossSitePostIsRefusedEvenWithTheToken(t *testing.T) {
	e := newEnv(t, nil)
	a := e.signedIn(t, tokA)
	a.submit("hooks", url.Values{"destination_id": {"1"}, "url": {"https://a.example/h"}})
	form := url.Values{"csrf": {a.csrf}}
	req, _ := http.NewRequest("POST", e.srv.URL+Prefix+"hooks/1/disable", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, body := a.do(req)
	mustStatus(t, "cross-site POST", resp, body, http.StatusForbidden)
	// Sign-in too: a cross-site form cannot sign someone in.
	req, _ = http.NewRequest("POST", e.srv.URL+Prefix+"signin", strings.NewReader(url.Values{"token": {tokB}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, body = e.browser(t).do(req)
	mustStatus(t, "cross-origin sign-in", resp, body, http.StatusForbidden)
	if h, _ := e.reg.Hook(1); !h.Enabled() {
		t.Error("a cross-site POST disabled the hook")
	}
}

func TestAnotherAccountsHookOrRecipientIs404(t *testing.T) {
	e := newEnv(t, nil)
	h, _ := e.reg.CreateHook(t.Context(), clientA, 1, "https://a.example/h")
	rec, _ := e.reg.CreateRecipient(t.Context(), clientA, "ops@a.example")
	b := e.signedIn(t, tokB)
	id, rid := strconv.FormatInt(h.ID, 10), strconv.FormatInt(rec.ID, 10)
	for _, p := range []string{"hooks/" + id, "hooks/" + id + "?show=secret", "hooks/" + id + "/delete", "hooks/0", "hooks/abc", "hooks/999"} {
		resp, body := b.get(p)
		mustStatus(t, "GET "+p, resp, body, http.StatusNotFound)
		if strings.Contains(body, h.Config.Secret) || strings.Contains(body, "a.example") {
			t.Errorf("GET %s shows account A's hook:\n%s", p, body)
		}
	}
	for _, p := range []string{"disable", "enable", "rotate-secret", "delete", "replay", "test"} {
		resp, body := b.submit("hooks/"+id+"/"+p, nil)
		mustStatus(t, "POST "+p, resp, body, http.StatusNotFound)
	}
	for _, p := range []string{"pause", "unpause", "delete"} {
		resp, body := b.submit("recipients/"+rid+"/"+p, nil)
		mustStatus(t, "POST recipient "+p, resp, body, http.StatusNotFound)
	}
	if got, ok := e.reg.Hook(h.ID); !ok || !got.Enabled() || got.Config.Secret != h.Config.Secret {
		t.Errorf("account B changed account A's hook: %+v", got)
	}
	if len(e.dl.calls()) != 0 {
		t.Error("account B replayed account A's dead letters")
	}
	if rs := e.reg.AllRecipients(clientA); len(rs) != 1 || rs[0].DisabledAt != nil {
		t.Errorf("account B changed account A's recipient: %+v", rs)
	}
}

func TestRegistryNotReadyIs503(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	e.reg.mu.Lock()
	e.reg.notReady = true
	e.reg.mu.Unlock()
	resp, body := b.get("hooks")
	mustStatus(t, "hooks", resp, body, http.StatusServiceUnavailable)
	if resp.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
}

func TestFailuresAreLoggedWithoutTokenSecretOrURL(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	e := newEnv(t, func(c *Config) { c.Log = zap.New(core) })
	h, _ := e.reg.CreateHook(t.Context(), clientA, 1, "https://a.example/private/path?key=s3cr3t")
	b := e.signedIn(t, tokA)
	b.get("hooks/1?show=secret")
	e.reg.mu.Lock()
	e.reg.fail = errKafka
	e.reg.mu.Unlock()
	resp, body := b.submit("hooks/1/rotate-secret", nil)
	mustStatus(t, "rotate with Kafka down", resp, body, http.StatusServiceUnavailable)
	resp, body = b.submit("hooks", url.Values{"destination_id": {"2"}, "url": {"https://b.example/p?token=zzz"}})
	mustStatus(t, "create with Kafka down", resp, body, http.StatusServiceUnavailable)
	if logs.FilterMessage("registry write").Len() != 2 {
		t.Errorf("want the two failures logged, got %v", logs.All())
	}
	for _, entry := range logs.All() {
		line := entry.Message + " " + fieldsText(entry.ContextMap())
		for _, leak := range []string{tokA, strings.TrimPrefix(tokA, "pl_"), h.Config.Secret, "private/path", "s3cr3t", "token=zzz", b.csrf} {
			if strings.Contains(line, leak) {
				t.Errorf("log line leaks %q: %s", leak, line)
			}
		}
	}
}

func fieldsText(m map[string]any) string {
	var sb strings.Builder
	for k, v := range m {
		sb.WriteString(k + "=")
		sb.WriteString(strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(fmtAny(v), "\n", " "), "\t", " ")))
		sb.WriteString(" ")
	}
	return sb.String()
}

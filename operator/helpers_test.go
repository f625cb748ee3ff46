package operator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/schema"
)

const opToken = "op-token-0123456789abcdef"

// t0 is the tests' now: 10:30 UTC.
var t0 = time.Date(2026, 3, 4, 10, 30, 0, 0, time.UTC)

// env is a Server over fakes, on a real HTTP server.
type env struct {
	srv   *httptest.Server
	op    *Server
	hooks *fakeHooks
	att   *fakeAttempts
	dl    *fakeDeadLetters
	offs  *fakeOffsets
}

func newEnv(tb testing.TB, edit func(*Config)) *env {
	tb.Helper()
	e := &env{
		hooks: &fakeHooks{ready: true}, att: &fakeAttempts{byHook: map[int64][]schema.LoggedAttempt{}},
		dl: &fakeDeadLetters{}, offs: &fakeOffsets{m: map[string]map[string][][3]int64{}},
	}
	cfg := Config{
		Token: opToken, Hooks: e.hooks, Attempts: e.att, DeadLetters: e.dl, Offsets: e.offs,
		Now: func() time.Time { return t0 }, Log: zaptest.NewLogger(tb),
	}
	if edit != nil {
		edit(&cfg)
	}
	op, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	e.op = op
	e.srv = httptest.NewServer(op)
	tb.Cleanup(e.srv.Close)
	return e
}

// getJSON gets the JSON view with the bearer token tok ("" for none).
func (e *env) getJSON(tb testing.TB, tok string) (int, Overview, http.Header) {
	tb.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+JSONPath, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var o Overview
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &o); err != nil {
			tb.Fatalf("JSON view: %v: %s", err, b)
		}
	}
	return resp.StatusCode, o, resp.Header
}

// mustOverview is the JSON view, which must answer 200.
func (e *env) mustOverview(tb testing.TB) Overview {
	tb.Helper()
	status, o, _ := e.getJSON(tb, opToken)
	if status != 200 {
		tb.Fatalf("JSON view: %d", status)
	}
	return o
}

// browser is a client with its own cookies that shows redirects.
type browser struct {
	tb   testing.TB
	base string
	c    *http.Client
}

func (e *env) browser(tb testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: e.srv.URL, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.tb.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.tb.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post posts form to path as a same-origin form does.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.tb.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// signIn signs in with the operator token and returns the overview page.
func (b *browser) signIn() string {
	b.tb.Helper()
	if resp, body := b.post(Prefix+"signin", url.Values{"token": {opToken}}); resp.StatusCode != http.StatusSeeOther {
		b.tb.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	resp, body := b.get(Prefix)
	if resp.StatusCode != 200 {
		b.tb.Fatalf("overview after sign-in: %d %s", resp.StatusCode, body)
	}
	return body
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(tb testing.TB, page string) string {
	tb.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no CSRF token on the page: %s", page)
	}
	return m[1]
}

package console

import (
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
)

// Accounts and tokens of the tests.
const (
	clientA = 116078
	clientB = 200002
	tokA    = "pl_tokenOfAccountA"
	tokB    = "pl_tokenOfAccountB"
)

// env is a console Server over fakes, on a real HTTP server.
type env struct {
	srv    *httptest.Server
	cons   *Server
	tokens *fakeTokens
	reg    *fakeRegistry
	dl     *fakeDeadLetters
	now    time.Time
}

func newEnv(tb testing.TB, edit func(*Config)) *env {
	tb.Helper()
	e := &env{
		tokens: &fakeTokens{m: map[string]int64{tokA: clientA, tokB: clientB}},
		reg:    newFakeRegistry(), dl: &fakeDeadLetters{}, now: t0,
	}
	cfg := Config{Tokens: e.tokens, Registry: e.reg, DeadLetters: e.dl, Log: zaptest.NewLogger(tb), Now: func() time.Time { return e.now }}
	if edit != nil {
		edit(&cfg)
	}
	cons, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	e.cons = cons
	mux := http.NewServeMux()
	mux.Handle(Prefix, cons)
	e.srv = httptest.NewServer(mux)
	tb.Cleanup(e.srv.Close)
	return e
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, as a signed-in (or not) person.
type browser struct {
	tb   testing.TB
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser(tb testing.TB) *browser {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signedIn is a browser signed in with tok, holding the session's CSRF
// token.
func (e *env) signedIn(tb testing.TB, tok string) *browser {
	tb.Helper()
	b := e.browser(tb)
	resp, _ := b.post("signin", url.Values{"token": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("sign in: %d", resp.StatusCode)
	}
	resp, body := b.get("hooks")
	if resp.StatusCode != 200 {
		tb.Fatalf("hooks after sign-in: %d %s", resp.StatusCode, body)
	}
	b.csrf = csrfOf(tb, body)
	return b
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(tb testing.TB, body string) string {
	tb.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no CSRF field in the page:\n%s", body)
	}
	return m[1]
}

// do sends a request to the console path p (relative to Prefix).
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

func (b *browser) get(p string) (*http.Response, string) {
	b.tb.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+Prefix+p, nil)
	return b.do(req)
}

// post sends the form as it is, CSRF field or not.
func (b *browser) post(p string, form url.Values) (*http.Response, string) {
	b.tb.Helper()
	req, _ := http.NewRequest("POST", b.e.srv.URL+Prefix+p, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit posts the form with the session's CSRF token.
func (b *browser) submit(p string, form url.Values) (*http.Response, string) {
	b.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf)
	return b.post(p, form)
}

// mustStatus fails unless resp has status want.
func mustStatus(tb testing.TB, what string, resp *http.Response, body string, want int) {
	tb.Helper()
	if resp.StatusCode != want {
		tb.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, want, body)
	}
}

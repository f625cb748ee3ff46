package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/operator"
)

const testOperatorToken = "op-e2e-token-0123456789abcdef"

// operatorGet gets the operator view's JSON with the bearer token tok.
func operatorGet(tb testing.TB, base, tok string) (int, operator.Overview) {
	tb.Helper()
	req, _ := http.NewRequest("GET", base+"api/overview", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var o operator.Overview
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &o); err != nil {
			tb.Fatalf("operator JSON: %v: %s", err, b)
		}
	}
	return resp.StatusCode, o
}

// serve with --operator-addr and a token: a receiver that fails every
// attempt makes a dead letter, which the operator's view counts for its
// account and hook, beside the open breaker, every group's lag and the
// disabled hooks; the HTML view answers after sign-in; no account token
// is needed, and without the operator's token the view is 401.
func TestOperatorView(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
	cfg := testConfig(t)
	cfg.LogLevel = "info"
	cfg.OperatorAddr = "127.0.0.1:0"
	cfg.OperatorTokenFile = filepath.Join(t.TempDir(), "operator-token")
	if err := os.WriteFile(cfg.OperatorTokenFile, []byte(testOperatorToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Breaker.MinRequests, cfg.Breaker.FailureRatio = 2, 0.5 // opens after two failures
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	core, logs := observer.New(zap.InfoLevel)
	in := mustServeLog(t, cfg, zap.New(zapcore.NewTee(core, zaptest.NewLogger(t).Core())))
	running := logs.FilterMessage("postload is running").All()
	if len(running) != 1 {
		t.Fatalf("want one running line, got %v", logs.All())
	}
	base, _ := running[0].ContextMap()["operator"].(string)
	if base == "" || strings.HasPrefix(base, consoleBase(in)) {
		t.Fatalf("serve says the operator's view is at %q, want its own address", base)
	}
	h := mustHook(t, in, tok, 2, rc.URL+"/private/path?key=secret")
	off := mustHook(t, in, tok, 3, rc.URL+"/other")
	if status, body := call(t, "PUT", in.api+"/hooks/"+strconv.FormatInt(off.ID, 10), tok, map[string]any{"enable": false}); status != 200 {
		t.Fatalf("disable hook %d: %d %s", off.ID, status, body)
	}

	for _, bad := range []string{"", "op-e2e-token-wrong-wrong-wrong", tok} {
		if status, _ := operatorGet(t, base, bad); status != http.StatusUnauthorized {
			t.Errorf("JSON view with token %q: %d, want 401", bad, status)
		}
	}
	if resp := mustGet(t, consoleBase(in)+operator.Prefix); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the operator's view is on --listen too: %d", resp.StatusCode)
	}

	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-operator-1", 1, 2, prettyPayload))
	var o operator.Overview
	wait.For(t, 60*time.Second, func() (bool, string) {
		status, got := operatorGet(t, base, testOperatorToken)
		if status != 200 {
			return false, fmt.Sprintf("status %d", status)
		}
		o = got
		for _, d := range o.DeadLetters.Hooks {
			if d.ClientID == 1 && d.HookID == h.ID && d.Count == 1 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("dead letters %+v", o.DeadLetters)
	})
	last2 := o.DeadLetters.Total[len(o.DeadLetters.Total)-2:] // the current hour, or the one before if it just turned
	if o.DeadLetters.Count != 1 || last2[0]+last2[1] != 1 {
		t.Errorf("dead letters: %+v, want 1, in the current hour", o.DeadLetters)
	}

	// Lag: every group of postload, with its topics' partitions; the
	// dispatch group has read the event.
	groups := map[string]operator.GroupLag{}
	for _, g := range o.Lag.Groups {
		groups[g.Group] = g
	}
	for _, name := range []string{"postload", "postload.retry", "postload.email", "postload.email-failed"} {
		if g, ok := groups[name]; !ok || len(g.Topics) == 0 || len(g.Topics[0].Partitions) != cfg.Partitions {
			t.Errorf("lag of group %s: %+v", name, g)
		}
	}
	if o.Lag.Error != "" {
		t.Errorf("lag error: %s", o.Lag.Error)
	}
	waitCommitted(t, in, "postload", "load-completed")
	wait.For(t, 20*time.Second, func() (bool, string) {
		_, o = operatorGet(t, base, testOperatorToken)
		for _, g := range o.Lag.Groups {
			if g.Group != "postload" {
				continue
			}
			var end int64
			for _, p := range g.Topics[0].Partitions {
				end += p.End
			}
			return g.Topics[0].Topic == "load-completed" && end >= 1 && g.Topics[0].Lag == 0, fmt.Sprintf("%+v", g.Topics[0])
		}
		return false, "no group postload"
	})

	// The breaker: open, from the delivery log's skipped attempts.
	wait.For(t, 30*time.Second, func() (bool, string) {
		_, o = operatorGet(t, base, testOperatorToken)
		for _, b := range o.Breakers.Hooks {
			if b.HookID == h.ID && b.ClientID == 1 && b.State == operator.BreakerOpen {
				return true, ""
			}
		}
		return false, fmt.Sprintf("breakers %+v", o.Breakers)
	})
	if len(o.Disabled.Hooks) != 1 || o.Disabled.Hooks[0].HookID != off.ID {
		t.Errorf("disabled hooks %+v, want hook %d", o.Disabled.Hooks, off.ID)
	}

	// HTML: 401 signed out, 200 after sign-in, the hook's dead letters on it.
	if resp := mustGet(t, base); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("HTML signed out: %d, want 401", resp.StatusCode)
	}
	form := url.Values{"token": {testOperatorToken}}
	req, _ := http.NewRequest("POST", base+"signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign in: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ = http.NewRequest("GET", base, nil)
	req.AddCookie(resp.Cookies()[0])
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), fmt.Sprintf(`id="dead-1-%d"`, h.ID)) || !strings.Contains(string(page), "<svg") {
		t.Errorf("HTML after sign-in: %d %s", resp.StatusCode, page)
	}
	for _, leak := range []string{"private/path", "key=secret", h.Config.Secret, testOperatorToken} {
		if strings.Contains(string(page), leak) {
			t.Errorf("the operator's page shows %q", leak)
		}
	}
	for _, e := range logs.All() {
		if b, _ := json.Marshal(e.ContextMap()); strings.Contains(e.Message+string(b), testOperatorToken) {
			t.Errorf("a log line carries the operator token: %s %s", e.Message, b)
		}
	}

	t.Run("browser", func(t *testing.T) {
		b := newTab(t, strings.TrimSuffix(base, operator.Prefix))
		b.open(operator.Prefix)
		b.fill("#token", testOperatorToken)
		if status := b.click("#signin"); status != 200 || b.location() != operator.Prefix {
			t.Fatalf("sign in: %d at %s", status, b.location())
		}
		if got := b.text(fmt.Sprintf("#dead-1-%d .count", h.ID)); got != "1" {
			t.Errorf("the page shows %q dead letters for the hook", got)
		}
		if got := b.text(fmt.Sprintf("#breaker-%d .state", h.ID)); got != operator.BreakerOpen {
			t.Errorf("the page shows the breaker %q", got)
		}
		if os.Getenv("POSTLOAD_SCREENSHOTS") != "" {
			ctx, cancel := context.WithTimeout(b.ctx, step)
			defer cancel()
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "operator.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if status := b.click("#signout"); status != 200 || b.location() != operator.Prefix+"signin" {
			t.Errorf("sign out ends on %s with %d", b.location(), status)
		}
	})
}

// --operator-addr without a token file is refused at start, saying what
// to give; a token file that is short is refused too.
func TestOperatorNeedsAToken(t *testing.T) {
	_, err := parseServe([]string{"--operator-addr", "127.0.0.1:9090"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "give --operator-token-file") {
		t.Errorf("no token file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "tok")
	for _, text := range []string{"", "short\n", "two words-0123456789abcdef"} {
		os.WriteFile(path, []byte(text), 0o600)
		if _, err := readOperatorToken(path); err == nil || !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Errorf("token file %q: %v", text, err)
		}
	}
	if _, err := readOperatorToken(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "--operator-token-file") {
		t.Errorf("missing token file: %v", err)
	}
	os.WriteFile(path, []byte("  "+testOperatorToken+"\n"), 0o600)
	if tok, err := readOperatorToken(path); err != nil || tok != testOperatorToken {
		t.Errorf("good token file: %q, %v", tok, err)
	}
}

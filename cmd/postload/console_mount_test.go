package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func mustGet(tb testing.TB, url string) *http.Response {
	tb.Helper()
	resp, err := noRedirect.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// serveLogged runs serve with cfg and returns the console URL it logs as
// running.
func serveLogged(t *testing.T, cfg serveConfig) (*instance, string) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	in := mustServeLog(t, cfg, zap.New(zapcore.NewTee(core, zaptest.NewLogger(t).Core())))
	running := logs.FilterMessage("postload is running").All()
	if len(running) != 1 {
		t.Fatalf("want one running line, got %v", logs.All())
	}
	u, _ := running[0].ContextMap()["console"].(string)
	return in, u
}

func TestConsoleIsOnListenByDefault(t *testing.T) {
	in, url := serveLogged(t, testConfig(t))
	base := consoleBase(in)
	if url != base+"/console/" {
		t.Errorf("serve says the console is at %q, want %q", url, base+"/console/")
	}
	if resp := mustGet(t, base+"/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET /: %d to %q, want 303 to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp := mustGet(t, url+"signin")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("sign-in page: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	if resp := mustGet(t, url+"hooks"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("hooks signed out: %d, want 401", resp.StatusCode)
	}
}

func TestConsoleAddrServesItApart(t *testing.T) {
	cfg := testConfig(t)
	cfg.ConsoleAddr = "127.0.0.1:0"
	in, url := serveLogged(t, cfg)
	base := consoleBase(in)
	if url == "" || strings.HasPrefix(url, base) {
		t.Fatalf("serve says the console is at %q, want its own address (the API is on %s)", url, base)
	}
	if resp := mustGet(t, url+"signin"); resp.StatusCode != 200 {
		t.Errorf("sign-in on --console-addr: %d", resp.StatusCode)
	}
	if resp := mustGet(t, base+"/console/signin"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the console is on --listen too: %d", resp.StatusCode)
	}
	if status, _ := call(t, "GET", in.api+"/hooks", "pl_nobody", nil); status != http.StatusUnauthorized {
		t.Errorf("the API on --listen: %d, want 401", status)
	}
}

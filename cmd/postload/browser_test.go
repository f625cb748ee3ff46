package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postload/postload/internal/wait"
)

// The browser tests share one headless Chromium per test binary, started
// on first use and stopped by TestMain; each test gets its own browser
// context (its own cookies) in it.
var shared struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

// chromiumPath is the Chromium the tests drive; empty when none is
// installed.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// mustBrowser returns a fresh browser context, or skips the test when no
// Chromium is installed.
func mustBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium on this machine: the browser tests need the Debian package chromium (apt-get install chromium; .ci/run installs it)")
	}
	shared.once.Do(func() {
		// A Chromium that fails to start is tried again, twice: on a
		// loaded machine it sometimes exits before it serves DevTools,
		// and every browser test shares this start.
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))
		for range 3 {
			alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
			ctx, cancelCtx := chromedp.NewContext(alloc)
			shared.ctx, shared.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
			if shared.err = chromedp.Do(ctx); shared.err == nil { // starts the browser
				return
			}
			shared.cancel()
		}
	})
	if shared.err != nil {
		t.Fatalf("start Chromium %s: %v", path, shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	return ctx
}

// stopBrowser stops the shared Chromium, if one was started.
func stopBrowser() {
	if shared.cancel != nil {
		shared.cancel()
	}
}

// tab is one browser tab on the console at base (http://host:port).
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newTab(t *testing.T, base string) *tab {
	t.Helper()
	return &tab{t: t, ctx: mustBrowser(t), base: base}
}

// step limits one browser action.
const step = 20 * time.Second

func (b *tab) run(a chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Run(ctx, a); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open loads path and returns the HTTP status of the page it ends on.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	return b.navigate(chromedp.Navigate(b.base + path))
}

// click clicks the element sel, which loads a page (a link or a form's
// button), and returns that page's status.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	return b.navigate(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *tab) navigate(a chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return resp.Status
}

func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.run(chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible))
}

// text is the text of the first element sel matches; "" when none does.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return b.eval(`(document.querySelector(` + jsString(sel) + `) || {innerText: ""}).innerText`)
}

// eval evaluates a JavaScript expression that gives a string (awaiting a
// promise).
func (b *tab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return s
}

func (b *tab) location() string {
	b.t.Helper()
	return strings.TrimPrefix(b.eval(`location.href`), b.base)
}

// waitText reloads path until the text of sel contains want.
func (b *tab) waitText(path, sel, want string, timeout time.Duration) {
	b.t.Helper()
	wait.For(b.t, timeout, func() (bool, string) {
		b.open(path)
		got := b.text(sel)
		return strings.Contains(got, want), "the page says " + got
	})
}

// shot saves the page as docs/console-<name>.png when
// POSTLOAD_SCREENSHOTS is set.
func (b *tab) shot(name string) {
	b.t.Helper()
	if os.Getenv("POSTLOAD_SCREENSHOTS") == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join("..", "..", "docs", "console-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// chromedpClick clicks sel without waiting for a page to load.
func chromedpClick(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
)

// count is the number of elements sel matches in the tab's page.
func (b *tab) count(sel string) int {
	b.t.Helper()
	n, err := strconv.Atoi(b.eval(`String(document.querySelectorAll(` + jsString(sel) + `).length)`))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// TestConsoleDeliveryLogInABrowser: a hook whose receiver fails once,
// then succeeds. Its page shows both attempts (status, response snippet)
// and the charts; a new attempt appears on the open page without a
// reload; the hooks list shows the last attempt and the success rate.
func TestConsoleDeliveryLogInABrowser(t *testing.T) {
	rc := failOnceReceiver(t)
	cfg := testConfig(t)
	cfg.LogLevel = "info"
	in, h, tok := startWithHook(t, cfg, rc)
	b := newTab(t, consoleBase(in))
	b.open("/console/signin")
	b.fill("#token", tok)
	b.click("#signin")

	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-log-1", 1, 2, prettyPayload))
	page := fmt.Sprintf("/console/hooks/%d", h.ID)
	wait.For(t, 30*time.Second, func() (bool, string) {
		b.open(page)
		n := b.count("#attempts tr.attempt")
		return n == 2, fmt.Sprintf("%d attempt rows: %s", n, b.text("main"))
	})
	// Newest first: the retry delivered, then the first attempt's 500.
	row := func(i int, sel string) string {
		return b.eval(fmt.Sprintf(`(document.querySelectorAll("#attempts tr.attempt")[%d].querySelector(%s) || {textContent: ""}).textContent.trim()`, i, jsString(sel)))
	}
	for _, c := range []struct {
		i                                 int
		number, outcome, status, response string
	}{{0, "2", "delivered", "200", "thanks"}, {1, "1", "failed", "500", "try later"}} {
		if got := [4]string{row(c.i, ".number"), row(c.i, ".outcome"), row(c.i, ".status"), row(c.i, "details.response pre")}; got != [4]string{c.number, c.outcome, c.status, c.response} {
			t.Errorf("row %d: %q, want attempt %s %s %s %q", c.i, got, c.number, c.outcome, c.status, c.response)
		}
	}
	if got := row(1, ".event"); got != "ev-log-1" {
		t.Errorf("event %q", got)
	}
	// The chart: a failed and a delivered segment (one bar, or two when
	// the retry fell in the next minute), one attempt each.
	if n, segs := b.count("#chart-attempts g.bar"), b.count("#chart-attempts rect.seg"); n < 1 || n > 2 || segs != 2 ||
		b.count("#chart-attempts rect.seg-failed[data-n='1']") != 1 || b.count("#chart-attempts rect.seg-delivered[data-n='1']") != 1 {
		t.Errorf("attempts chart: %d bars, %d segments, want a failed and a delivered one", n, segs)
	}
	if b.count("#chart-latency circle.p50") < 1 || b.eval(`document.querySelector("#chart-attempts").getAttribute("role")`) != "img" {
		t.Error("no latency points, or the chart is not labelled as an image")
	}

	// Live: the script polls; a new attempt appears without a reload.
	wait.For(t, 10*time.Second, func() (bool, string) {
		s := b.text("#live-status")
		return strings.HasPrefix(s, "Live:"), "live status " + s
	})
	b.eval(`(window.sameDocument = "yes", "")`)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-log-2", 1, 2, prettyPayload))
	wait.For(t, 30*time.Second, func() (bool, string) {
		n := b.count("#attempts tr.attempt")
		return n == 3, fmt.Sprintf("%d attempt rows", n)
	})
	if b.eval(`window.sameDocument || "reloaded"`) != "yes" {
		t.Error("the page was reloaded to show the new attempt")
	}
	if got := row(0, ".event"); got != "ev-log-2" || b.count("#attempts tr.attempt.fresh") != 1 {
		t.Errorf("the new row shows %q, %d rows marked new", got, b.count("#attempts tr.attempt.fresh"))
	}
	wait.For(t, 10*time.Second, func() (bool, string) { // the chart is redrawn with the rows
		n := b.eval(`String([...document.querySelectorAll("#chart-attempts rect.seg")].reduce((s, r) => s + Number(r.dataset.n), 0))`)
		return n == "3", "attempts in the chart: " + n
	})
	b.run(chromedpClick("#attempts tr.attempt.fresh details.response summary"))
	b.shot("hook-log")

	// The list: the last attempt and the success rate of the hour.
	b.open("/console/hooks")
	row0 := fmt.Sprintf("#hook-%d", h.ID)
	if got, rate := b.text(row0+" .last-attempt"), b.text(row0+" .success-rate"); !strings.HasPrefix(got, "delivered 200 at ") || rate != "66.6% of 3" {
		t.Errorf("hooks list: last attempt %q, success rate %q", got, rate)
	}
	b.shot("hooks")

	// The filter: failed attempts only, and the page stays live.
	b.open(page + "?outcome=failed")
	if n := b.count("#attempts tr.attempt"); n != 1 || row(0, ".outcome") != "failed" {
		t.Errorf("filtered to failed: %d rows", n)
	}
}

// TestConsoleSendTestInABrowser: "Send test" on a hook's page sends one
// marked, signed webhook, says what the receiver answered, and the attempt
// shows in the hook's delivery log as a test.
func TestConsoleSendTestInABrowser(t *testing.T) {
	rc := failOnceReceiver(t)
	cfg := testConfig(t)
	cfg.LogLevel = "info"
	in, h, tok := startWithHook(t, cfg, rc)
	b := newTab(t, consoleBase(in))
	b.open("/console/signin")
	b.fill("#token", tok)
	b.click("#signin")
	page := fmt.Sprintf("/console/hooks/%d", h.ID)
	b.open(page)
	b.click("#send-test")
	if got := b.text("main"); !strings.Contains(got, "Test sent: failed, HTTP 500") {
		t.Errorf("after the first test (the receiver fails once) the page says:\n%s", got)
	}
	b.click("#send-test")
	if got := b.text("main"); !strings.Contains(got, "Test sent: delivered, HTTP 200") {
		t.Errorf("after the second test the page says:\n%s", got)
	}
	reqs := rc.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Webhook-Test") != "true" || !strings.HasPrefix(reqs[1].Header.Get("Webhook-Id"), "test_") {
		t.Fatalf("the receiver got %d requests; the last with headers %v", len(reqs), reqs[len(reqs)-1].Header)
	}
	wait.For(t, 30*time.Second, func() (bool, string) {
		b.open(page)
		n := b.count("#attempts tr.attempt")
		return n == 2, fmt.Sprintf("%d attempt rows: %s", n, b.text("main"))
	})
	if ev := b.eval(`document.querySelector("#attempts tr.attempt .event").textContent.trim()`); !strings.HasPrefix(ev, "test_") {
		t.Errorf("the logged test's event %q, want a test_ id", ev)
	}
	b.shot("send-test")
}

package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

// now is the tests' clock: t0 plus 30 s, in the minute that starts at t0.
var now = t0.Add(30 * time.Second)

// logged is an attempt of account A's hook 1, minutesAgo minutes before
// the current minute's start.
func logged(minutesAgo int, outcome string, ms int64) schema.LoggedAttempt {
	a := schema.LoggedAttempt{EventID: "ev-" + strconv.Itoa(minutesAgo), HookID: 1, ClientID: clientA, Attempt: 1,
		At: t0.Add(-time.Duration(minutesAgo)*time.Minute + time.Second), DurationMS: ms, Outcome: outcome}
	switch outcome {
	case schema.LoggedDelivered:
		a.Status = 200
	case schema.LoggedFailed:
		a.Status, a.Error = 500, "HTTP 500"
	}
	return a
}

// logEnv is a console with a fakeLog and account A's hook 1.
func logEnv(t *testing.T) (*env, *fakeLog, *browser) {
	t.Helper()
	log := &fakeLog{}
	e := newEnv(t, func(c *Config) { c.Attempts = log })
	e.now = now
	b := e.signedIn(t, tokA)
	resp, body := b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	mustStatus(t, "create", resp, body, http.StatusSeeOther)
	return e, log, b
}

func TestSuccessRate(t *testing.T) {
	for _, tc := range []struct {
		d, f, s int
		want    string
	}{
		{0, 0, 0, "–"},
		{0, 0, 4, "–"}, // only skipped: no request, no rate
		{3, 1, 0, "75%"},
		{3, 1, 9, "75%"}, // skipped are not in it
		{2, 1, 0, "66.6%"},
		{999, 1, 0, "99.9%"},
		{1999, 1, 0, "99.9%"}, // rounded down: 100% only when all were delivered
		{5, 0, 0, "100%"},
		{0, 5, 0, "0%"},
	} {
		st := hourStats{Delivered: tc.d, Failed: tc.f, Skipped: tc.s}
		if got := st.SuccessRate(); got != tc.want {
			t.Errorf("%d delivered, %d failed, %d skipped: %q, want %q", tc.d, tc.f, tc.s, got, tc.want)
		}
	}
}

func TestBarHeightsFollowTheCounts(t *testing.T) {
	st := hourStats{Start: hourWindow(now)}
	at := func(minute int, outcome string, ms int64) {
		a := logged(minutesShown-1-minute, outcome, ms)
		st.add(&a)
	}
	// Minute 59 (the current one): 3 delivered, 1 failed: the tallest, 4.
	for range 3 {
		at(59, schema.LoggedDelivered, 10)
	}
	at(59, schema.LoggedFailed, 400)
	// Minute 10: 1 delivered, 1 skipped; minute 0: 2 failed.
	at(10, schema.LoggedDelivered, 20)
	at(10, schema.LoggedSkipped, 0)
	at(0, schema.LoggedFailed, 30)
	at(0, schema.LoggedFailed, 50)
	v := chartsOf(st)
	if v.Bars.Max != 4 || len(v.Bars.Bars) != 3 {
		t.Fatalf("max %d, %d bars: want 4, 3", v.Bars.Max, len(v.Bars.Bars))
	}
	type seg struct{ outcome, x, y, h string }
	var got []seg
	for _, b := range v.Bars.Bars {
		for _, s := range b.Segments {
			got = append(got, seg{s.Outcome, s.X, s.Y, s.H})
		}
	}
	want := []seg{ // the plot is 100 high from y 8 to 108; columns 10 wide from x 44
		{"failed", "45", "58", "50"},     // minute 0: 2 of 4
		{"delivered", "145", "83", "25"}, // minute 10: 1
		{"skipped", "145", "58", "25"},   // stacked on it
		{"delivered", "635", "33", "75"}, // minute 59: 3
		{"failed", "635", "8", "25"},     // and 1 on top, reaching the top
	}
	if len(got) != len(want) {
		t.Fatalf("segments %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("segment %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Latency: minute 59's p50 is 10 ms, its p99 400 ms; the axis tops at
	// 500 ms (1, 2 or 5 × 10ⁿ): y 108 - 10/500×100 and 108 - 400/500×100.
	last := v.Latency.Points[len(v.Latency.Points)-1]
	if v.Latency.Max != 500 || last.P50 != 10 || last.P99 != 400 || last.Y50 != "106" || last.Y99 != "28" {
		t.Errorf("latency axis %d, last point %+v", v.Latency.Max, last)
	}
	if len(v.Latency.Points) != 3 || len(v.Rows) != 3 || v.Rows[1].Skipped != 1 {
		t.Errorf("latency points %d, table rows %+v", len(v.Latency.Points), v.Rows)
	}
}

var (
	rectRE = regexp.MustCompile(`<rect class="seg seg-(\w+)" data-n="(\d+)" x="[\d.]+" y="[\d.]+" width="8" height="([\d.]+)"`)
	svgRE  = regexp.MustCompile(`(?s)<svg id="chart-attempts".*?</svg>`)
)

func TestHookPageDrawsTheLastHour(t *testing.T) {
	_, log, b := logEnv(t)
	failed := logged(0, schema.LoggedFailed, 900)
	failed.EventID = "ev-other"
	log.add(logged(0, schema.LoggedDelivered, 12), failed, logged(2, schema.LoggedDelivered, 15),
		logged(61, schema.LoggedFailed, 5)) // over an hour ago: not drawn
	other := logged(0, schema.LoggedDelivered, 1)
	other.ClientID = clientB // another account's, same hook id: never shown
	log.add(other)
	resp, body := b.get("hooks/1")
	mustStatus(t, "hook page", resp, body, 200)
	svg := svgRE.FindString(body)
	if svg == "" {
		t.Fatalf("no attempts chart:\n%s", body)
	}
	var got []string
	for _, m := range rectRE.FindAllStringSubmatch(svg, -1) {
		got = append(got, m[1]+":"+m[2]+":"+m[3])
	}
	want := "delivered:1:50 delivered:1:50 failed:1:50" // minute 57, then 59's stack; the tallest holds 2
	if strings.Join(got, " ") != want {
		t.Errorf("bars %v, want %s", got, want)
	}
	for _, s := range []string{
		`role="img" aria-label="Attempts per minute by outcome, the last 60 minutes: 2 delivered, 1 failed, 0 skipped; at most 2 in a minute."`,
		`<svg id="chart-latency"`, `p50 12 ms, p99 900 ms (2 requests)`, // minute 59's latency
		`id="minutes"`, // the table fallback
	} {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	if strings.Contains(body, " style=") {
		t.Error("the charts use style attributes, which the CSP forbids")
	}
	// The table: the 4 attempts of account A, newest first, with the
	// response in a details element, escaped.
	log.add(logged(0, schema.LoggedDelivered, 12)) // written twice by the log's writer: one row
	log.add(schema.LoggedAttempt{EventID: "ev-<x>", HookID: 1, ClientID: clientA, Attempt: 2, At: now, Outcome: schema.LoggedFailed, Status: 502, Response: "<h1>bad gateway</h1>", DurationMS: 7})
	_, body = b.get("hooks/1")
	if n := strings.Count(body, `<tr class="attempt`); n != 5 {
		t.Errorf("%d attempt rows, want 5", n)
	}
	if !strings.Contains(body, `<details class="response"><summary>response (20 bytes)</summary><pre>&lt;h1&gt;bad gateway&lt;/h1&gt;</pre></details>`) ||
		!strings.Contains(body, "ev-&lt;x&gt;") || strings.Contains(body, "<h1>bad") {
		t.Errorf("the response snippet is not shown escaped in a details element:\n%s", body)
	}
}

func TestHooksListShowsLastAttemptAndSuccessRate(t *testing.T) {
	_, log, b := logEnv(t)
	b.submit("hooks", url.Values{"destination_id": {"8"}, "url": {"https://a.example/quiet"}})
	b.submit("hooks", url.Values{"destination_id": {"9"}, "url": {"https://a.example/old"}})
	log.add(logged(50, schema.LoggedDelivered, 1), logged(40, schema.LoggedDelivered, 1), logged(30, schema.LoggedDelivered, 1),
		logged(20, schema.LoggedSkipped, 0), logged(10, schema.LoggedFailed, 1),
		logged(70, schema.LoggedFailed, 1)) // over an hour ago: not in the rate
	old := logged(120, schema.LoggedFailed, 3)
	old.HookID = 3
	log.add(old)
	_, body := b.get("hooks")
	cell := func(hook, class string) string {
		t.Helper()
		re := regexp.MustCompile(`(?s)<tr id="hook-` + hook + `">.*?<td class="` + class + `"[^>]*>(.*?)</td>`)
		m := re.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s cell for hook %s:\n%s", class, hook, body)
		}
		return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")
	}
	if got := cell("1", "last-attempt"); got != "failed 500 at 2026-11-27 05:50:01Z" {
		t.Errorf("hook 1 last attempt %q", got)
	}
	if got := cell("1", "success-rate"); got != "75% of 4 +1 skipped" {
		t.Errorf("hook 1 success rate %q", got)
	}
	if got, rate := cell("2", "last-attempt"), cell("2", "success-rate"); got != "none" || rate != "–" {
		t.Errorf("hook 2 without attempts: %q, %q", got, rate)
	}
	// An attempt older than the hour is still the last one; no rate.
	if got, rate := cell("3", "last-attempt"), cell("3", "success-rate"); got != "failed 500 at 2026-11-27 04:00:01Z" || rate != "–" {
		t.Errorf("hook 3: %q, %q", got, rate)
	}
	if !strings.Contains(body, "delivered ÷ (delivered + failed), over the attempts started in the last 60 minutes") {
		t.Error("the page does not say what the success rate is")
	}
	// While the log is read at start: said, not a failure of the page.
	log.err = ErrLogNotReady
	resp, body := b.get("hooks")
	mustStatus(t, "hooks, log not ready", resp, body, 200)
	if !strings.Contains(body, msgLogNotReady) {
		t.Errorf("log not ready: the list does not say so:\n%s", body)
	}
}

func TestDeliveryLogFiltersAndPages(t *testing.T) {
	_, log, b := logEnv(t)
	for i := range 120 {
		a := logged(0, schema.LoggedDelivered, 1)
		a.At = t0.Add(-time.Duration(i) * time.Second)
		a.EventID = "ev-" + strconv.Itoa(i)
		if i%2 == 1 {
			a.Outcome, a.Status = schema.LoggedFailed, 500
		}
		log.add(a)
	}
	_, body := b.get("hooks/1?outcome=failed&since=2026-11-27T05:58:00Z")
	if n := strings.Count(body, `<tr class="attempt outcome-failed"`); n != 50 || strings.Contains(body, `outcome-delivered" data-key`) {
		t.Fatalf("first page: %d failed rows (want 50) or delivered ones:\n%s", n, body)
	}
	// The next page keeps the filter.
	m := regexp.MustCompile(`<p id="attempts-more"><a href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link to older attempts:\n%s", body)
	}
	next, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if q := next.Query(); q.Get("outcome") != "failed" || q.Get("since") != "2026-11-27T05:58:00Z" || q.Get("cursor") == "" {
		t.Errorf("older attempts link %q loses the filter", m[1])
	}
	_, body = b.get(strings.TrimPrefix(next.String(), Prefix))
	// Failed ones are the odd seconds 1..119; since 05:58:00 leaves 1..119
	// (120 s back is 05:58:00 exactly: the even 120 is not there): 60, then 10.
	if n := strings.Count(body, `<tr class="attempt outcome-failed"`); n != 10 || strings.Contains(body, `id="attempts-more"`) {
		t.Errorf("second page: %d rows, want the last 10", n)
	}
	if strings.Contains(body, "data-live=") {
		t.Error("an older page is live: only the first page changes")
	}
	// The live part carries the filter.
	_, body = b.get("hooks/1?outcome=failed&event_id=ev-3")
	if !strings.Contains(body, `data-live="/console/hooks/1/live?event_id=ev-3&amp;outcome=failed"`) {
		t.Errorf("live path without the filter:\n%s", body)
	}
	if n := strings.Count(body, `<tr class="attempt`); n != 1 {
		t.Errorf("event filter: %d rows, want 1", n)
	}
	for _, bad := range []string{"hooks/1?since=yesterday", "hooks/1?outcome=lost", "hooks/1?cursor=nonsense"} {
		resp, body := b.get(bad)
		if resp.StatusCode != 200 || !strings.Contains(body, `id="log-error"`) {
			t.Errorf("%s: %d without a message", bad, resp.StatusCode)
		}
	}
}

func TestLiveFragment(t *testing.T) {
	e, log, b := logEnv(t)
	log.add(logged(1, schema.LoggedFailed, 30))
	anon := e.browser(t)
	if resp, _ := anon.get("hooks/1/live"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d, want 401", resp.StatusCode)
	}
	other := e.signedIn(t, tokB)
	if resp, _ := other.get("hooks/1/live"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another account's hook: %d, want 404", resp.StatusCode)
	}
	if resp, _ := b.get("hooks/99/live"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown hook: %d, want 404", resp.StatusCode)
	}
	// A GET: no CSRF token needed; the section's part alone, no layout.
	resp, body := b.get("hooks/1/live?outcome=failed&cursor=5")
	mustStatus(t, "live", resp, body, 200)
	version := resp.Header.Get("X-Fragment-Version")
	if version == "" || strings.Contains(body, "<html") || strings.Contains(body, "<header") ||
		strings.Count(body, `<tr class="attempt`) != 1 || !strings.Contains(body, `<svg id="chart-attempts"`) {
		t.Errorf("fragment (version %q):\n%s", version, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("fragment headers %v", resp.Header)
	}
	// Nothing new: 204. A new attempt: 200 with it, and a new version.
	if resp, _ := b.get("hooks/1/live?outcome=failed&known=" + version); resp.StatusCode != http.StatusNoContent {
		t.Errorf("unchanged: %d, want 204", resp.StatusCode)
	}
	log.add(logged(0, schema.LoggedFailed, 40))
	resp, body = b.get("hooks/1/live?outcome=failed&known=" + version)
	mustStatus(t, "live after a new attempt", resp, body, 200)
	if strings.Count(body, `<tr class="attempt`) != 2 || resp.Header.Get("X-Fragment-Version") == version {
		t.Errorf("after a new attempt (version %q):\n%s", resp.Header.Get("X-Fragment-Version"), body)
	}
	// Without a delivery log there is no fragment.
	e2 := newEnv(t, nil)
	b2 := e2.signedIn(t, tokA)
	b2.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	if resp, _ := b2.get("hooks/1/live"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("without a delivery log: %d, want 404", resp.StatusCode)
	}
	if _, body := b2.get("hooks/1"); strings.Contains(body, "data-live") || strings.Contains(body, "<svg") {
		t.Error("without a delivery log the page is live or has charts")
	}
}

package operator

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/schema"
)

func hookOf(client, id int64, url string) schema.Hook {
	return schema.Hook{ID: id, ClientID: client, Config: schema.HookConfig{URL: url, Secret: "whsec_c2VjcmV0LW5vdC10by1zaG93"}}
}

// attempt is one logged attempt of hook 7 of account 1, ago before t0.
func attempt(ago time.Duration, outcome string) schema.LoggedAttempt {
	a := schema.LoggedAttempt{HookID: 7, ClientID: 1, At: t0.Add(-ago), Outcome: outcome, Endpoint: "https://rx.example:8443"}
	if outcome == schema.LoggedFailed {
		a.Status, a.Error = 500, "HTTP 500"
	}
	return a
}

// attempts are outcomes, newest first, a second apart: d delivered, f
// failed, s skipped.
func attempts(outcomes string) []schema.LoggedAttempt {
	out := make([]schema.LoggedAttempt, 0, len(outcomes))
	names := map[rune]string{'d': schema.LoggedDelivered, 'f': schema.LoggedFailed, 's': schema.LoggedSkipped}
	for i, c := range outcomes {
		out = append(out, attempt(time.Duration(i+1)*time.Second, names[c]))
	}
	return out
}

// The rule: open when a breaker refused the newest attempt, or refused
// one since the last delivery and a probe failed after; failing on the
// breaker's own counts; else not shown.
func TestJudgeBreakers(t *testing.T) {
	for _, tc := range []struct {
		outcomes string // newest first
		want     string // "" for not shown
	}{
		{"", ""},
		{"s", BreakerOpen},
		{"sdddd", BreakerOpen},
		{"fssff", BreakerOpen}, // a failed probe after refusals
		{"fdsss", ""},          // delivered since the refusals: closed again
		{"dssss", ""},          // the probe went through
		{"ffffffffff", BreakerFailing},
		{"ffffffdddd", BreakerFailing}, // 6 of 10 failed: the ratio
		{"fffffddddd", ""},             // 5 of 10
		{"fffffffff", ""},              // 9 requests: below the minimum
	} {
		t.Run(tc.outcomes, func(t *testing.T) {
			b, ok := judge(attempts(tc.outcomes), 10, 0.6)
			if got := map[bool]string{true: b.State}[ok]; got != tc.want {
				t.Errorf("judge(%s) = %q, want %q (%+v)", tc.outcomes, got, tc.want, b)
			}
		})
	}
}

// The section lists the hooks whose attempts in the window show an open or
// failing breaker, reading only the window; the page says how it is
// derived. Without the delivery log it says so.
func TestBreakersSection(t *testing.T) {
	e := newEnv(t, nil)
	e.hooks.hooks = []schema.Hook{hookOf(1, 7, "https://rx.example:8443/secret-path?key=k"), hookOf(1, 8, "https://ok.example/h"), hookOf(2, 9, "https://old.example/h")}
	e.att.byHook[7] = attempts("sff")
	e.att.byHook[8] = attempts("dddd")
	e.att.byHook[9] = []schema.LoggedAttempt{{HookID: 9, ClientID: 2, At: t0.Add(-time.Hour), Outcome: schema.LoggedSkipped}} // out of the window
	o := e.mustOverview(t)
	if !o.Breakers.Available || len(o.Breakers.Hooks) != 1 {
		t.Fatalf("breakers: %+v, want hook 7 only", o.Breakers)
	}
	b := o.Breakers.Hooks[0]
	if b.HookID != 7 || b.ClientID != 1 || b.State != BreakerOpen || b.Skipped != 1 || b.Failed != 2 || b.Endpoint != "https://rx.example:8443" || !b.LastAt.Equal(t0.Add(-time.Second)) {
		t.Errorf("hook 7: %+v", b)
	}
	if o.Breakers.WindowSeconds != int64(DefaultBreakerWindow/time.Second) || !strings.Contains(o.Breakers.Rule, "skipped") {
		t.Errorf("window %d, rule %q", o.Breakers.WindowSeconds, o.Breakers.Rule)
	}
	page := e.browser(t).signIn()
	if !strings.Contains(page, `id="breaker-7"`) || !strings.Contains(page, "state-open") || strings.Contains(page, "secret-path") {
		t.Errorf("the page does not show hook 7 open, or shows its URL's path: %s", section(page, "breakers"))
	}

	e.att.err = errors.New("index gone")
	if o := e.mustOverview(t); !strings.Contains(o.Breakers.Error, "index gone") {
		t.Errorf("an index error is not shown: %+v", o.Breakers)
	}

	off := newEnv(t, func(c *Config) { c.Attempts = nil })
	if o := off.mustOverview(t); o.Breakers.Available {
		t.Error("without the delivery log the section says it is available")
	}
	if page := off.browser(t).signIn(); !strings.Contains(section(page, "breakers"), "delivery log is off") {
		t.Errorf("without the delivery log: %s", section(page, "breakers"))
	}
}

// Dead letters are counted per account and hook per hour over the last
// 24 hours (the current one included), by dead_at; the page draws them as
// inline SVG bars, one per hour, the tallest for the busiest hour.
func TestDeadLettersPerHour(t *testing.T) {
	e := newEnv(t, nil)
	hour := t0.Truncate(time.Hour) // 10:00, the current hour, the last bar
	e.dl.add(1, 7, hour.Add(5*time.Minute), false)
	e.dl.add(1, 7, hour.Add(6*time.Minute), true)
	e.dl.add(1, 7, hour.Add(-2*time.Hour), false)              // 08:00
	e.dl.add(2, 9, hour.Add(-23*time.Hour), false)             // the first hour
	e.dl.add(2, 9, hour.Add(-24*time.Hour), false)             // too old
	e.dl.add(1, 8, hour.Add(-23*time.Hour-time.Second), false) // too old
	o := e.mustOverview(t)
	d := o.DeadLetters
	if len(d.Hours) != 24 || !d.Hours[23].Equal(hour) || !d.Since.Equal(hour.Add(-23*time.Hour)) || !d.Until.Equal(hour.Add(time.Hour)) {
		t.Fatalf("hours %v .. %v, since %v until %v", d.Hours[0], d.Hours[len(d.Hours)-1], d.Since, d.Until)
	}
	if d.Count != 4 || d.Total[23] != 2 || d.Total[21] != 1 || d.Total[0] != 1 {
		t.Errorf("count %d, totals %v", d.Count, d.Total)
	}
	if len(d.Hooks) != 2 {
		t.Fatalf("hooks %+v, want 7 and 9", d.Hooks)
	}
	h7, h9 := d.Hooks[0], d.Hooks[1]
	if h7.ClientID != 1 || h7.HookID != 7 || h7.Count != 3 || h7.Replayed != 1 || h7.PerHour[23] != 2 || h7.PerHour[21] != 1 {
		t.Errorf("hook 7: %+v", h7)
	}
	if h9.ClientID != 2 || h9.HookID != 9 || h9.Count != 1 || h9.PerHour[0] != 1 {
		t.Errorf("hook 9: %+v", h9)
	}

	page := e.browser(t).signIn()
	dead := section(page, "dead-letters")
	if !strings.Contains(dead, `id="dead-total">4 dead letters`) || !strings.Contains(dead, `id="dead-1-7"`) || !strings.Contains(dead, `id="dead-2-9"`) {
		t.Errorf("dead letters section: %s", dead)
	}
	charts := regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`).FindAllString(dead, -1)
	if len(charts) != 3 { // all accounts, then one per hook
		t.Fatalf("%d charts, want 3", len(charts))
	}
	heights := barHeights(t, charts[0])
	if len(heights) != 24 {
		t.Fatalf("%d bars, want 24", len(heights))
	}
	if heights[23] <= heights[21] || heights[21] <= 0 || heights[5] != 0 || heights[21] != heights[0] {
		t.Errorf("bar heights %v: want the current hour tallest, 08:00 and the first hour half of it, the empty hours 0", heights)
	}
	if !strings.Contains(charts[0], "<title>2026-03-04 10:00Z: 2</title>") {
		t.Errorf("the current hour's bar has no tooltip with its count: %s", charts[0])
	}

	e.dl.err = errors.New("dlq gone")
	if o := e.mustOverview(t); !strings.Contains(o.DeadLetters.Error, "dlq gone") {
		t.Errorf("a DLQ error is not shown: %+v", o.DeadLetters)
	}
}

var heightRE = regexp.MustCompile(`<rect class="bar" [^>]*height="([0-9.]+)"`)

func barHeights(tb testing.TB, svg string) []float64 {
	tb.Helper()
	var out []float64
	for _, m := range heightRE.FindAllStringSubmatch(svg, -1) {
		h, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

// section is the page's <section id="id">.
func section(page, id string) string {
	start := strings.Index(page, `<section id="`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(page[start:], "</section>")
	return page[start : start+end]
}

// Lag per group and topic is the sum over partitions of end minus the
// commit (or the first offset when nothing is committed, or the commit is
// behind retention); a topic that cannot be read says so.
func TestLagSection(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Groups = []Group{{"postload", []string{"load-completed", "load-rejected"}}, {"postload.email", []string{"postload.dlq"}}}
	})
	e.offs.m["postload"] = map[string][][3]int64{
		"load-completed": {{0, 7, 10}, {0, -1, 4}}, // 3 + 4
		"load-rejected":  {{5, 2, 9}},              // retention passed the commit: 4
	}
	e.offs.err = map[string]error{"postload.dlq": errors.New("broker down")}
	o := e.mustOverview(t)
	if len(o.Lag.Groups) != 2 {
		t.Fatalf("groups %+v", o.Lag.Groups)
	}
	g := o.Lag.Groups[0]
	if g.Group != "postload" || g.Lag != 11 || g.Topics[0].Lag != 7 || g.Topics[1].Lag != 4 || g.Topics[0].Partitions[1].Committed != -1 {
		t.Errorf("group postload: %+v", g)
	}
	if em := o.Lag.Groups[1]; em.Topics[0].Error == "" || !strings.Contains(o.Lag.Error, "broker down") {
		t.Errorf("group email: %+v, error %q", em, o.Lag.Error)
	}
	lag := section(e.browser(t).signIn(), "lag")
	if !strings.Contains(lag, `<td class="lag">7</td>`) || !strings.Contains(lag, "1: none / 4") || !strings.Contains(lag, "broker down") {
		t.Errorf("lag section: %s", lag)
	}
}

func TestPartitionLag(t *testing.T) {
	for _, tc := range []struct{ first, committed, end, want int64 }{
		{0, -1, 0, 0}, {0, -1, 5, 5}, {0, 5, 5, 0}, {0, 3, 5, 2}, {4, 2, 5, 1}, {6, 6, 6, 0},
	} {
		if got := partitionLag(tc.first, tc.committed, tc.end); got != tc.want {
			t.Errorf("partitionLag(%d, %d, %d) = %d, want %d", tc.first, tc.committed, tc.end, got, tc.want)
		}
	}
}

// Disabled hooks are listed with disabled_at; who disabled them is said
// only where Config.AutoDisabled reads it from the record.
func TestDisabledHooks(t *testing.T) {
	at := t0.Add(-time.Hour)
	off := hookOf(1, 7, "https://rx.example/path?token=x")
	off.DisabledAt = &at
	auto := hookOf(2, 9, "https://down.example/h")
	auto.DisabledAt = &at
	hooks := []schema.Hook{off, hookOf(1, 8, "https://on.example/h"), auto}

	e := newEnv(t, nil)
	e.hooks.hooks = hooks
	o := e.mustOverview(t)
	if o.Disabled.Known || len(o.Disabled.Hooks) != 2 || o.Disabled.Hooks[0].HookID != 7 || o.Disabled.Hooks[0].DisabledBy != DisabledByUnknown ||
		!o.Disabled.Hooks[0].DisabledAt.Equal(at) || o.Disabled.Hooks[0].Endpoint != "https://rx.example" {
		t.Errorf("without AutoDisabled: %+v", o.Disabled)
	}

	since := t0.Add(-5 * 24 * time.Hour)
	e = newEnv(t, func(c *Config) {
		c.AutoDisabled = func(h schema.Hook) *AutoDisabled {
			if h.ID == 9 {
				return &AutoDisabled{FailingSince: since, FailedAttempts: 42, LastError: "HTTP 503 <b>down</b>"}
			}
			return nil
		}
	})
	e.hooks.hooks = hooks
	o = e.mustOverview(t)
	d := o.Disabled.Hooks
	if !o.Disabled.Known || len(d) != 2 || d[0].DisabledBy != DisabledByAccount || d[1].DisabledBy != DisabledByPostload ||
		d[1].FailedAttempts != 42 || d[1].FailingSince == nil || !d[1].FailingSince.Equal(since) {
		t.Errorf("with AutoDisabled: %+v", o.Disabled)
	}
	page := section(e.browser(t).signIn(), "disabled")
	if !strings.Contains(page, `id="disabled-9"`) || !strings.Contains(page, "postload") || !strings.Contains(page, "HTTP 503 &lt;b&gt;down&lt;/b&gt;") {
		t.Errorf("disabled section (the error must be escaped): %s", page)
	}
}

// Nothing from a hook's record but its endpoint reaches the view: no
// secret, no URL path or query, in the JSON or the page; text from
// receivers is escaped.
func TestNoSecretsAndEscaping(t *testing.T) {
	e := newEnv(t, nil)
	at := t0.Add(-time.Minute)
	h := hookOf(1, 7, "https://rx.example/p4th?tok=q5ery")
	h.DisabledAt = &at
	e.hooks.hooks = []schema.Hook{h}
	a := attempt(time.Second, schema.LoggedSkipped)
	a.Error = `<script>alert(1)</script>`
	e.att.byHook[7] = []schema.LoggedAttempt{a}
	page := e.browser(t).signIn()
	req, _ := http.NewRequest("GET", e.srv.URL+JSONPath, nil)
	req.Header.Set("Authorization", "Bearer "+opToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"endpoint":"https://rx.example"`) {
		t.Fatalf("JSON view: %d %s", resp.StatusCode, raw)
	}
	for _, leak := range []string{"whsec_", "p4th", "q5ery", "<script>alert"} {
		if strings.Contains(page, leak) {
			t.Errorf("the page shows %q", leak)
		}
		if leak != "<script>alert" && strings.Contains(string(raw), leak) {
			t.Errorf("the JSON shows %q", leak)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the receiver's error is not shown escaped: %s", section(page, "breakers"))
	}
}

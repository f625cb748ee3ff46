package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

func fmtAny(v any) string { return fmt.Sprint(v) }

func TestCreateHookShowsTheAPIsMessages(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	for _, tc := range []struct {
		name, dest, url, want string
	}{
		{"http URL", "1", "http://a.example/h", "Invalid URI"},
		{"not a URL", "1", "nonsense", "Invalid URI"},
		{"destination 0", "0", "https://a.example/h", "Invalid POST body"},
		{"destination not a number", "x", "https://a.example/h", "Invalid POST body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.submit("hooks", url.Values{"destination_id": {tc.dest}, "url": {tc.url}})
			mustStatus(t, "create", resp, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="create-error">`+tc.want) {
				t.Errorf("no %q message:\n%s", tc.want, body)
			}
			if !strings.Contains(body, `value="`+tc.url+`"`) {
				t.Error("the form lost the URL typed")
			}
		})
	}
	for i := range 10 {
		resp, body := b.submit("hooks", url.Values{"destination_id": {"1"}, "url": {fmt.Sprintf("https://a.example/%d", i)}})
		mustStatus(t, "create", resp, body, http.StatusSeeOther)
	}
	resp, body := b.submit("hooks", url.Values{"destination_id": {"1"}, "url": {"https://a.example/11"}})
	mustStatus(t, "11th hook", resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "You have exceeded the limit of 10 hooks.") {
		t.Errorf("no limit message:\n%s", body)
	}
}

func TestOutputIsEscaped(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	evil := `"><script>alert(1)</script>`
	resp, body := b.submit("recipients", url.Values{"email_address": {evil}})
	mustStatus(t, "bad email", resp, body, http.StatusBadRequest)
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the value typed is not escaped:\n%s", body)
	}
	if !strings.Contains(body, "Required. Must be valid email address format.") {
		t.Errorf("no API message:\n%s", body)
	}
}

func TestHookActions(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Breakers = fakeBreakers{"https://a.example/h": "open"} })
	b := e.signedIn(t, tokA)
	resp, body := b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	mustStatus(t, "create", resp, body, http.StatusSeeOther)
	_, body = b.get("hooks")
	if !strings.Contains(body, "Hook 1 created.") || !strings.Contains(body, `breaker-open">open`) || !strings.Contains(body, "enabled") {
		t.Errorf("hooks page after create:\n%s", body)
	}
	secret := e.reg.hooks[1].Config.Secret
	if _, body = b.get("hooks/1"); strings.Contains(body, secret) {
		t.Error("the secret is shown before it is asked for")
	}
	if _, body = b.get("hooks/1?show=secret"); !strings.Contains(body, `<code id="secret">`+secret) || !strings.Contains(body, `data-copy="secret"`) {
		t.Errorf("secret not shown on demand, with a copy button:\n%s", body)
	}
	resp, body = b.submit("hooks/1/disable", url.Values{"back": {"hook"}})
	mustStatus(t, "disable", resp, body, http.StatusSeeOther)
	if resp.Header.Get("Location") != Prefix+"hooks/1" {
		t.Errorf("disable from the hook page returns to %q", resp.Header.Get("Location"))
	}
	if _, body = b.get("hooks/1"); !strings.Contains(body, "Hook 1 disabled.") || !strings.Contains(body, `class="off">disabled`) {
		t.Errorf("hook page after disable:\n%s", body)
	}
	b.submit("hooks/1/enable", nil)
	if h, _ := e.reg.Hook(1); !h.Enabled() {
		t.Error("not enabled again")
	}
	resp, body = b.submit("hooks/1/rotate-secret", nil)
	mustStatus(t, "rotate", resp, body, http.StatusSeeOther)
	_, body = b.get(strings.TrimPrefix(resp.Header.Get("Location"), Prefix))
	rotated := e.reg.hooks[1].Config.Secret
	if rotated == secret || !strings.Contains(body, rotated) || !strings.Contains(body, "Secret rotated. The previous secret also signs until") {
		t.Errorf("after rotate:\n%s", body)
	}
	resp, body = b.get("hooks/1/delete")
	mustStatus(t, "confirm", resp, body, 200)
	if _, ok := e.reg.Hook(1); !ok || !strings.Contains(body, "Delete hook 1?") {
		t.Fatalf("the confirm step deleted the hook or says nothing:\n%s", body)
	}
	resp, body = b.submit("hooks/1/delete", nil)
	mustStatus(t, "delete", resp, body, http.StatusSeeOther)
	if _, ok := e.reg.Hook(1); ok {
		t.Error("not deleted")
	}
	if resp, _ := b.get("hooks/1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted hook's page: %d", resp.StatusCode)
	}
}

func TestReplayIsADryRunFirstThenTheSameDeadLetters(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	ref := schema.HookRef{ID: 1, ClientID: clientA}
	e.dl.entries = []dlq.Entry{
		{ID: "0-1", DeadLetter: schema.DeadLetter{EventID: "ev-old", Hook: ref, Reason: "retries_exhausted", DeadAt: t0.Add(-time.Hour),
			Attempts: []schema.Attempt{{Number: 1, Status: 500, Error: "HTTP 500"}}}},
		{ID: "0-2", DeadLetter: schema.DeadLetter{EventID: "ev-<new>", Hook: ref, Reason: "retries_exhausted", DeadAt: t0.Add(-time.Minute)}},
	}
	_, body := b.get("hooks/1")
	if !strings.Contains(body, "2 dead letters") || !strings.Contains(body, "ev-&lt;new&gt;") || !strings.Contains(body, "HTTP 500") {
		t.Errorf("hook page dead letters:\n%s", body)
	}
	if strings.Index(body, "ev-&lt;new&gt;") > strings.Index(body, "ev-old") {
		t.Error("dead letters are not newest first")
	}
	if strings.Contains(body, `id="replay-confirm"`) {
		t.Error("replay offered before a dry run")
	}
	resp, body := b.submit("hooks/1/replay", url.Values{"dry_run": {"1"}})
	mustStatus(t, "dry run", resp, body, http.StatusSeeOther)
	_, body = b.get("hooks/1")
	if !strings.Contains(body, "Dry run: 2 dead letters would be replayed; skipped: 1 already replayed.") || !strings.Contains(body, "Replay 2 now") {
		t.Fatalf("after the dry run:\n%s", body)
	}
	until := regexpValue(t, body, "until")
	// A dead letter that arrives after the dry run is not in its replay.
	e.dl.entries = append(e.dl.entries, dlq.Entry{ID: "0-3", DeadLetter: schema.DeadLetter{EventID: "ev-later", Hook: ref, DeadAt: t0.Add(time.Minute)}})
	resp, body = b.submit("hooks/1/replay", url.Values{"until": {until}})
	mustStatus(t, "replay", resp, body, http.StatusSeeOther)
	_, body = b.get("hooks/1")
	if !strings.Contains(body, "Replayed 2 dead letters; skipped: 1 already replayed.") {
		t.Errorf("after the replay:\n%s", body)
	}
	calls := e.dl.calls()
	if len(calls) != 2 || !calls[0].dry || calls[1].dry || !calls[1].f.Until.Equal(t0) || calls[1].f.ClientID != clientA || calls[1].f.HookID != 1 {
		t.Errorf("replay calls %+v: want a dry run, then a replay of account A's hook 1 until %v", calls, t0)
	}
}

func regexpValue(tb testing.TB, body, name string) string {
	tb.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		tb.Fatalf("no %s field:\n%s", name, body)
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestRecipients(t *testing.T) {
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	resp, body := b.submit("recipients", url.Values{"email_address": {"ops@a.example"}})
	mustStatus(t, "add", resp, body, http.StatusSeeOther)
	_, body = b.get("recipients")
	if !strings.Contains(body, "Recipient ops@a.example added.") || !strings.Contains(body, `class="ok">active`) {
		t.Errorf("after add:\n%s", body)
	}
	b.submit("recipients/1/pause", nil)
	if _, body = b.get("recipients"); !strings.Contains(body, `class="off">paused`) {
		t.Errorf("after pause:\n%s", body)
	}
	b.submit("recipients/1/unpause", nil)
	if rs := e.reg.AllRecipients(clientA); rs[0].DisabledAt != nil {
		t.Error("not unpaused")
	}
	b.submit("recipients/1/delete", nil)
	if _, body = b.get("recipients"); !strings.Contains(body, "No recipients yet.") {
		t.Errorf("after delete:\n%s", body)
	}
}

func TestOptionalSectionsShowOnlyWithTheirSource(t *testing.T) {
	sections := []string{"Delivery log", `id="send-test"`, "Auto-disable", "breaker"}
	e := newEnv(t, nil)
	b := e.signedIn(t, tokA)
	b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	_, body := b.get("hooks/1")
	for _, s := range sections {
		if strings.Contains(body, s) {
			t.Errorf("without a source the page shows %q", s)
		}
	}
	if resp, _ := b.submit("hooks/1/test", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("send test without a Tester: %d, want 404", resp.StatusCode)
	}

	failing := t0.Add(-48 * time.Hour)
	log := &fakeAttempts{page: AttemptPage{Attempts: []schema.LoggedAttempt{{EventID: "ev-1", HookID: 1, Attempt: 2, At: t0, DurationMS: 31, Outcome: schema.LoggedFailed, Status: 503, Response: "<busy>", Error: "HTTP 503"}}, Next: "c2"}}
	e = newEnv(t, func(c *Config) {
		c.Attempts = log
		c.Tester = fakeTester{at: schema.LoggedAttempt{Outcome: schema.LoggedDelivered, Status: 200, DurationMS: 12}}
		c.AutoDisable = fakeAutoDisable{AutoDisableState{FailingSince: &failing, FailedAttempts: 40, After: 120 * time.Hour}}
		c.Breakers = fakeBreakers{}
	})
	b = e.signedIn(t, tokA)
	b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	_, body = b.get("hooks/1?outcome=failed&event_id=ev-1&since=2026-11-27T00:00:00Z")
	for _, s := range append(sections, "HTTP 503", "&lt;busy&gt;", "40 attempts", "cursor=c2") {
		if !strings.Contains(body, s) {
			t.Errorf("with every source the page lacks %q", s)
		}
	}
	if q := log.tableQuery(); q.ClientID != clientA || q.HookID != 1 || q.Outcome != "failed" || q.EventID != "ev-1" || !q.Since.Equal(t0.Add(-6*time.Hour)) {
		t.Errorf("attempts query %+v", q)
	}
	resp, body := b.submit("hooks/1/test", nil)
	mustStatus(t, "send test", resp, body, http.StatusSeeOther)
	if _, body = b.get("hooks/1"); !strings.Contains(body, "Test sent: delivered, HTTP 200, in 12 ms") {
		t.Errorf("after send test:\n%s", body)
	}
}

// TestComeBackFromAutoDisableIsOneAction: the page of an auto-disabled
// hook offers the way back; it enables the hook and replays its dead
// letters since the failing streak began, in one post.
func TestComeBackFromAutoDisableIsOneAction(t *testing.T) {
	since := t0.Add(-120 * time.Hour)
	disabled := t0.Add(-time.Hour)
	e := newEnv(t, func(c *Config) {
		c.AutoDisable = fakeAutoDisable{AutoDisableState{FailingSince: &since, FailedAttempts: 40, DisabledAt: &disabled, After: 120 * time.Hour}}
	})
	b := e.signedIn(t, tokA)
	b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	if _, err := e.reg.SetHookEnabled(context.Background(), clientA, 1, false); err != nil {
		t.Fatal(err)
	}
	_, body := b.get("hooks/1")
	if !strings.Contains(body, `id="come-back"`) || !strings.Contains(body, "40 attempts") {
		t.Fatalf("the auto-disabled hook's page offers no way back:\n%s", body)
	}
	resp, body := b.submit("hooks/1/come-back", url.Values{"since": {regexpValue(t, body, "since")}})
	mustStatus(t, "come back", resp, body, http.StatusSeeOther)
	if h, _ := e.reg.Hook(1); h.DisabledAt != nil {
		t.Error("the hook is still disabled")
	}
	calls := e.dl.calls()
	if len(calls) != 1 || calls[0].dry || !calls[0].f.Since.Equal(since) || !calls[0].f.Until.Equal(t0) || calls[0].f.HookID != 1 || calls[0].f.ClientID != clientA {
		t.Errorf("replay calls %+v: want one replay of account A's hook 1 from %v to %v", calls, since, t0)
	}
	if _, body = b.get("hooks/1"); !strings.Contains(body, "Enabled. Replayed") {
		t.Errorf("after coming back the page says:\n%s", body)
	}
	// Another account's hook: 404, nothing done.
	other := e.signedIn(t, tokB)
	resp, body = other.submit("hooks/1/come-back", url.Values{"since": {since.Format(time.RFC3339)}})
	mustStatus(t, "another account", resp, body, http.StatusNotFound)
}

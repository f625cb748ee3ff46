package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// consoleBase is the scheme and address of the instance's --listen, where
// the console is by default.
func consoleBase(in *instance) string { return strings.TrimSuffix(in.api, httpapi.BasePath) }

// apiHook reads one hook of the account through the API.
func apiHook(tb testing.TB, in *instance, tok string, id int64) (schema.Hook, bool) {
	tb.Helper()
	status, body := call(tb, "GET", in.api+"/hooks", tok, nil)
	var list map[string][]schema.Hook
	if err := json.Unmarshal(body, &list); status != 200 || err != nil {
		tb.Fatalf("GET hooks: %d %s", status, body)
	}
	for _, h := range list[schema.HookTypePostLoad] {
		if h.ID == id {
			return h, true
		}
	}
	return schema.Hook{}, false
}

// TestConsoleInABrowser drives the console with headless Chromium against
// the whole service: sign-in, hooks, a dead letter replayed after its
// receiver recovers, recipients, the 404 and CSRF rules, sign-out.
func TestConsoleInABrowser(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	var up atomic.Bool
	rc.Answer(func(int, *http.Request) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	})
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	cfg.LogLevel = "info"
	tokA, tokB := mustToken(t, cfg, 116078), mustToken(t, cfg, 200002)
	in := mustServe(t, cfg)
	b := newTab(t, consoleBase(in))

	// Sign in: / leads to the sign-in page; a wrong token is refused.
	if status := b.open("/"); status != 200 || b.location() != "/console/signin" {
		t.Fatalf("/ ends on %s with %d, want the sign-in page", b.location(), status)
	}
	b.shot("signin")
	b.fill("#token", "pl_not-a-token")
	if status := b.click("#signin"); status != http.StatusUnauthorized || !strings.Contains(b.text("#signin-message"), "Unknown token") {
		t.Fatalf("wrong token: %d %q", status, b.text("#signin-message"))
	}
	b.fill("#token", tokA)
	if status := b.click("#signin"); status != 200 || b.location() != "/console/hooks" || !strings.Contains(b.text("header"), "account 116078") {
		t.Fatalf("sign in: %d at %s, header %q", status, b.location(), b.text("header"))
	}
	if cookie := b.eval(`document.cookie`); cookie != "" {
		t.Errorf("the session cookie is readable by scripts: %q", cookie)
	}

	// Create: an http:// URL gets the API's message; an https one is made.
	b.fill("#destination_id", "12345")
	b.fill("#url", "http://127.0.0.1:1/hook")
	if status := b.click("#create"); status != http.StatusBadRequest || b.text("#create-error") != "Invalid URI" {
		t.Fatalf("http:// hook: %d %q", status, b.text("#create-error"))
	}
	b.shot("invalid-uri")
	b.fill("#url", rc.URL+"/hook")
	if status := b.click("#create"); status != 200 || !strings.HasPrefix(b.text("#notice"), "Hook ") {
		t.Fatalf("create: %d %q", status, b.text("#notice"))
	}
	id, err := strconv.ParseInt(strings.Fields(b.text("#notice"))[1], 10, 64)
	if err != nil {
		t.Fatalf("notice %q: %v", b.text("#notice"), err)
	}
	row := "#hook-" + strconv.FormatInt(id, 10)
	h, ok := apiHook(t, in, tokA, id)
	if !ok || h.Config.URL != rc.URL+"/hook" || h.DestinationID != 12345 {
		t.Fatalf("the API does not show the hook made in the console: %+v", h)
	}

	// Disable and enable from the list.
	if b.click(row + " button.toggle"); b.text(row+" .state") != "disabled" {
		t.Errorf("after Disable the list says %q", b.text(row+" .state"))
	}
	if h, _ := apiHook(t, in, tokA, id); h.DisabledAt == nil {
		t.Error("the API shows the hook enabled after Disable")
	}
	if b.click(row + " button.toggle"); b.text(row+" .state") != "enabled" {
		t.Errorf("after Enable the list says %q", b.text(row+" .state"))
	}
	if h, _ := apiHook(t, in, tokA, id); h.DisabledAt != nil {
		t.Error("the API shows the hook disabled after Enable")
	}

	// The secret: shown on demand, copied by its button, rotated.
	hookPath := "/console/hooks/" + strconv.FormatInt(id, 10)
	b.open(hookPath)
	if b.text("#secret") != "" {
		t.Error("the secret is shown before it is asked for")
	}
	b.click("#show-secret")
	if got := b.text("#secret"); got != h.Config.Secret {
		t.Fatalf("shown secret %q, the API's %q", got, h.Config.Secret)
	}
	b.eval(`(navigator.clipboard.writeText = (s) => { window.copied = s; return Promise.resolve(); }, "")`)
	b.run(chromedpClick("#copy-secret"))
	wait.For(t, 5*time.Second, func() (bool, string) {
		got := b.eval(`window.copied || ""`)
		return got == h.Config.Secret && b.text("#copy-secret") == "Copied", "copied " + got
	})
	b.click("#rotate")
	rotated, _ := apiHook(t, in, tokA, id)
	if got := b.text("#secret"); rotated.Config.Secret == h.Config.Secret || got != rotated.Config.Secret || !strings.Contains(b.text("#notice"), "Secret rotated") {
		t.Fatalf("after rotate the page shows %q (notice %q), the API %q, before %q", got, b.text("#notice"), rotated.Config.Secret, h.Config.Secret)
	}

	// A dead letter: the receiver fails every attempt.
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("ev-console-1", 116078, 12345, prettyPayload))
	b.waitText(hookPath, "#dead-count", "1 dead letter.", 60*time.Second)
	if got := b.text("#dead-letters tbody tr .event"); got != "ev-console-1" {
		t.Errorf("dead letter row shows event %q", got)
	}
	b.shot("hook")

	// The receiver recovers; a dry run shows the count, then the replay.
	up.Store(true)
	before := rc.Count()
	b.click("#replay-dry-run")
	if got := b.text("#notice"); !strings.HasPrefix(got, "Dry run: 1 dead letter would be replayed.") {
		t.Fatalf("dry run notice %q", got)
	}
	b.shot("dry-run")
	b.click("#replay-confirm")
	if got := b.text("#notice"); got != "Replayed 1 dead letter." {
		t.Fatalf("replay notice %q", got)
	}
	wait.For(t, 30*time.Second, func() (bool, string) {
		for _, r := range rc.Requests()[before:] {
			if r.Status == http.StatusOK && strings.Contains(string(r.Body), "orders") {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d requests since the replay, none delivered", rc.Count()-before)
	})
	b.waitText(hookPath, "#dead-letters tbody tr .replayed", "yes", 20*time.Second)

	// A POST without the CSRF token is refused, from the signed-in page.
	status := b.eval(`fetch("` + hookPath + `/disable", {method: "POST"}).then(r => String(r.status))`)
	if status != "403" {
		t.Errorf("POST without the CSRF token: %s, want 403", status)
	}
	if h, _ := apiHook(t, in, tokA, id); h.DisabledAt != nil {
		t.Error("a POST without the CSRF token disabled the hook")
	}

	// Recipients: add, pause, unpause, delete.
	b.open("/console/recipients")
	b.fill("#email_address", "ops@example.com")
	if b.click("#add"); b.text("#recipients .email") != "ops@example.com" {
		t.Fatalf("after add: %q", b.text("main"))
	}
	if b.click("#recipients button.toggle"); b.text("#recipients .state") != "paused" {
		t.Errorf("after Pause: %q", b.text("#recipients .state"))
	}
	if _, body := call(t, "GET", in.api+"/custom-emails", tokA, nil); !strings.Contains(string(body), `"disabled_at":"`) {
		t.Errorf("the API shows the recipient not paused: %s", body)
	}
	b.shot("recipients")
	if b.click("#recipients button.toggle"); b.text("#recipients .state") != "active" {
		t.Errorf("after Unpause: %q", b.text("#recipients .state"))
	}
	if b.click("#recipients button.delete"); !strings.Contains(b.text("main"), "No recipients yet.") {
		t.Errorf("after Delete: %q", b.text("main"))
	}
	if _, body := call(t, "GET", in.api+"/custom-emails", tokA, nil); strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("the API still lists the recipient: %s", body)
	}

	// Another account: the hook's page is 404, and it is not listed.
	other := newTab(t, consoleBase(in))
	other.open("/console/signin")
	other.fill("#token", tokB)
	other.click("#signin")
	if strings.Contains(other.text("main"), rc.URL) {
		t.Error("account B's hook list shows account A's hook")
	}
	if status := other.open(hookPath); status != http.StatusNotFound || other.text("#error-message") != "Not found." {
		t.Errorf("account B opens account A's hook: %d %q", status, other.text("main"))
	}

	// Delete, with its confirm step.
	b.open(hookPath)
	b.click("#delete")
	if _, ok := apiHook(t, in, tokA, id); !ok {
		t.Fatal("the hook was deleted before the confirm step")
	}
	b.click("#delete-confirm")
	if _, ok := apiHook(t, in, tokA, id); ok || !strings.Contains(b.text("#notice"), "deleted") {
		t.Errorf("after the confirm: notice %q, hook still in the API: %v", b.text("#notice"), ok)
	}

	// Sign out: back to sign-in, and the pages are 401 again.
	if status := b.click("#signout"); status != 200 || b.location() != "/console/signin" {
		t.Errorf("sign out ends on %s with %d", b.location(), status)
	}
	if status := b.open("/console/hooks"); status != http.StatusUnauthorized {
		t.Errorf("hooks after sign-out: %d, want 401", status)
	}
}

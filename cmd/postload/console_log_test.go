package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
)

// consoleClient is an HTTP client signed in to the console of in with tok
// (no browser: the pages as served).
func consoleClient(t *testing.T, in *instance, tok string) func(path string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	base := consoleBase(in)
	resp, err := c.PostForm(base+"/console/signin", url.Values{"token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/console/hooks" {
		t.Fatalf("sign in: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	return func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
}

// The console reads the delivery log of serve: a hook's page lists the
// attempts of an event whose receiver failed once, with the charts, and
// the list shows the last one and the success rate; with
// --delivery-log=false there is no log section and no live fragment.
func TestConsoleShowsTheDeliveryLog(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("delivery log %v", on), func(t *testing.T) {
			rc := failOnceReceiver(t)
			cfg := testConfig(t)
			cfg.NoDeliveryLog = !on
			in, h, tok := startWithHook(t, cfg, rc)
			get := consoleClient(t, in, tok)
			mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))
			wait.For(t, 30*time.Second, func() (bool, string) { return rc.Count() == 2, fmt.Sprintf("%d requests", rc.Count()) })
			page := fmt.Sprintf("/console/hooks/%d", h.ID)
			if !on {
				if status, body := get(page); status != 200 || strings.Contains(body, "Delivery log") || strings.Contains(body, "<svg") {
					t.Errorf("hook page with the log off: %d\n%s", status, body)
				}
				if status, _ := get(page + "/live"); status != http.StatusNotFound {
					t.Errorf("live fragment with the log off: %d, want 404", status)
				}
				if _, body := get("/console/hooks"); strings.Contains(body, "success, last hour") {
					t.Error("the hooks list shows a success rate with the log off")
				}
				return
			}
			var body string
			wait.For(t, 30*time.Second, func() (bool, string) {
				_, body = get(page)
				return strings.Count(body, `<tr class="attempt`) == 2, body
			})
			for _, s := range []string{`outcome-failed" data-key=`, `<td class="status">500</td>`, "try later", `outcome-delivered" data-key=`, "thanks",
				`class="seg seg-failed" data-n="1"`, `class="seg seg-delivered" data-n="1"`, `data-live="/console/hooks/`} {
				if !strings.Contains(body, s) {
					t.Errorf("the hook page lacks %q", s)
				}
			}
			_, list := get("/console/hooks")
			if !strings.Contains(list, `<span class="outcome-delivered">delivered</span> 200 at`) || !strings.Contains(list, "50% <span class=\"hint\">of 2</span>") {
				t.Errorf("the hooks list lacks the last attempt or the success rate:\n%s", list)
			}
			if status, body := get(page + "/live"); status != 200 || strings.Count(body, `<tr class="attempt`) != 2 {
				t.Errorf("live fragment: %d\n%s", status, body)
			}
		})
	}
}

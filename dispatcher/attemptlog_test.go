package dispatcher

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// attemptLog is an AttemptLog keeping every record.
type attemptLog struct {
	mu   sync.Mutex
	recs []schema.LoggedAttempt
}

var _ AttemptLog = (*attemptLog)(nil)

func (l *attemptLog) Log(a schema.LoggedAttempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, a)
}

func (l *attemptLog) all() []schema.LoggedAttempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]schema.LoggedAttempt(nil), l.recs...)
}

// answerBody answers status with body.
func answerBody(status int, body string) func(*testing.T, *decisionCase) {
	return func(_ *testing.T, c *decisionCase) {
		c.rc.Respond(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(body))
		})
	}
}

// Every attempt that counts is logged once, first attempts and retries,
// with its outcome, status, response snippet and error; attempts that do
// not count (deferred, interrupted) are not logged.
func TestEveryAttemptIsLogged(t *testing.T) {
	for _, tt := range []struct {
		name     string
		attempt  int
		setup    func(*testing.T, *decisionCase)
		logged   bool
		outcome  string
		status   int
		response string
		errHas   string
	}{
		{"delivered, first attempt", 1, answerBody(200, `{"ok":true}`), true, schema.LoggedDelivered, 200, `{"ok":true}`, ""},
		{"failed with a body, from a tier", 3, answerBody(500, "database down"), true, schema.LoggedFailed, 500, "database down", "HTTP 500"},
		{"410 gone", 2, answerBody(410, "gone"), true, schema.LoggedFailed, 410, "gone", "HTTP 410"},
		{"no response", 1, noResponse, true, schema.LoggedFailed, 0, "", "no response within 200ms"},
		{"breaker open: skipped", 1, breakerOpen, true, schema.LoggedSkipped, 0, "", ErrBreakerOpen.Error()},
		{"breaker open on a tier's fast path: skipped", 2, breakerOpen, true, schema.LoggedSkipped, 0, "", ErrBreakerOpen.Error()},
		{"saturated: deferred, not an attempt", 1, saturated, false, "", 0, "", ""},
		{"interrupted: not an attempt", 1, interrupted, false, "", 0, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := webhooktest.NewReceiver(t)
			c := &decisionCase{rc: rc, url: rc.URL, timeout: 5 * time.Second, ctx: context.Background(),
				hooks: &oneHook{h: schema.Hook{ID: 7, ClientID: 1, DestinationID: 2, Config: schema.HookConfig{URL: rc.URL + "/secret/path?token=x"}}}}
			c.url = c.hooks.h.Config.URL
			tt.setup(t, c)
			d := c.dispatcher(t, &published{})
			var log attemptLog
			d.cfg.AttemptLog = &log
			if c.prepare != nil {
				c.prepare(t, d)
			}
			before := time.Now()
			if err := c.handle(t, d, tt.attempt); err != nil {
				t.Fatalf("handling attempt %d: %v", tt.attempt, err)
			}
			recs := log.all()
			if !tt.logged {
				if len(recs) != 0 {
					t.Fatalf("logged %+v, want nothing", recs)
				}
				return
			}
			if len(recs) != 1 {
				t.Fatalf("logged %d records, want 1: %+v", len(recs), recs)
			}
			a := recs[0]
			if a.EventID != "ev-table" || a.HookID != 7 || a.ClientID != 1 || a.Attempt != tt.attempt || a.Outcome != tt.outcome ||
				a.Status != tt.status || a.Response != tt.response || a.Endpoint != strings.TrimSuffix(rc.URL, "/") {
				t.Errorf("logged %+v; want event ev-table, hook 7, client 1, attempt %d, %s, status %d, response %q, endpoint %s",
					a, tt.attempt, tt.outcome, tt.status, tt.response, rc.URL)
			}
			if !strings.Contains(a.Error, tt.errHas) || (tt.errHas == "") != (a.Error == "") {
				t.Errorf("error %q, want it to contain %q", a.Error, tt.errHas)
			}
			if a.At.Before(before.Add(-time.Millisecond)) || a.At.After(time.Now()) {
				t.Errorf("at %v, not within the handling (began %v)", a.At, before)
			}
		})
	}
}

// A group handed on whole while the breaker refuses logs one skipped
// attempt for all its deliveries, under the first one's event id, with
// their number.
func TestAGroupHandedOnWholeIsLoggedOnce(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	var log attemptLog
	d.cfg.AttemptLog = &log
	dls, b := groupRecord(t, 12, 2)
	if err := d.HandleRetry(context.Background(), Source{Topic: "r1"}, b); err != nil {
		t.Fatal(err)
	}
	recs := log.all()
	if len(recs) != 1 {
		t.Fatalf("logged %d attempts, want 1 for the group", len(recs))
	}
	if a, want := recs[0], eventID(t, dls[0]); a.EventID != want || a.Deliveries != len(dls) || a.Attempt != 2 || a.Outcome != schema.LoggedSkipped || a.HookID != 7 {
		t.Errorf("record %+v; want event %s, %d deliveries, attempt 2, skipped, hook 7", a, want, len(dls))
	}
}

// The response snippet is the start of the body, at most
// schema.MaxLoggedResponse bytes of valid UTF-8, without a rune cut in two.
func TestResponseSnippet(t *testing.T) {
	long := strings.Repeat("a", schema.MaxLoggedResponse-1) + "é and more"
	for _, tt := range []struct {
		name, body, want string
	}{
		{"empty", "", ""},
		{"short", "hello", "hello"},
		{"exactly the limit", strings.Repeat("b", schema.MaxLoggedResponse), strings.Repeat("b", schema.MaxLoggedResponse)},
		{"a rune cut by the limit is dropped", long, strings.Repeat("a", schema.MaxLoggedResponse-1)},
		{"invalid bytes become U+FFFD", "ok\xff\xfe", "ok\uFFFD"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := webhooktest.NewReceiver(t)
			rc.Respond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500); w.Write([]byte(tt.body)) })
			s := mustSender(t, 5*time.Second, rc)
			out := s.Send(context.Background(), Request{URL: rc.URL, WebhookID: "e.1", Body: []byte(`{}`), Number: 1})
			if out.Response != tt.want || !utf8.ValidString(out.Response) || len(out.Response) > schema.MaxLoggedResponse {
				t.Errorf("response %q (%d bytes), want %q", out.Response, len(out.Response), tt.want)
			}
		})
	}
}

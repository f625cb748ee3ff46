package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

var _ Attempts = (*attemptlog.Index)(nil)

// notReady is an Attempts whose index has not read the log yet.
type notReady struct{}

func (notReady) Ready() bool { return false }
func (notReady) Attempts(int64, int64, attemptlog.Query) (attemptlog.Page, error) {
	return attemptlog.Page{}, fmt.Errorf("not ready")
}

// serveAttempts starts the API with the delivery log's index attempts.
func (e *env) serveAttempts(tb testing.TB, attempts Attempts) {
	tb.Helper()
	s, err := New(Config{Tokens: e.tokens, Registry: e.store, DeadLetters: mustQueue(tb, e.dlqCfg, e), Attempts: attempts, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	e.srv = httptest.NewServer(s)
	tb.Cleanup(e.srv.Close)
}

// attemptsFixture: hook 1 (account A) with five attempts of ev-1..ev-5 at
// t0+1..5 min (ev-2 and ev-4 failed, the others delivered) written by the
// delivery log's Writer, hook 2 (A) deleted, hook 3 account B's; the index
// has read them.
func attemptsFixture(tb testing.TB) *env {
	tb.Helper()
	e := newEnv(tb)
	ctx := context.Background()
	for i, client := range []int64{clientA, clientA, clientB} {
		if h, err := e.store.CreateHook(ctx, client, 12345, fmt.Sprintf("https://new.example.com/%d", i+1)); err != nil || h.ID != int64(i+1) {
			tb.Fatalf("hook %d: %+v, %v", i+1, h, err)
		}
	}
	if err := e.store.DeleteHook(ctx, clientA, 2); err != nil {
		tb.Fatal(err)
	}
	e.cluster.CreateTopic(tb, attemptlog.DefaultTopic, 2, false)
	k := mustKafka(tb, e.cluster.Addr, 5*time.Second)
	w, err := attemptlog.NewWriter(attemptlog.WriterConfig{Kafka: k, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		a := schema.LoggedAttempt{EventID: fmt.Sprint("ev-", i), HookID: 1, ClientID: clientA, Attempt: 1, At: t0.Add(time.Duration(i) * time.Minute),
			DurationMS: 7, Outcome: schema.LoggedDelivered, Status: 200, Response: "thanks", Endpoint: "https://new.example.com"}
		if i%2 == 0 {
			a.Outcome, a.Status, a.Response, a.Error = schema.LoggedFailed, 503, "busy", "HTTP 503 Service Unavailable"
		}
		w.Log(a)
	}
	w.Log(schema.LoggedAttempt{EventID: "b-1", HookID: 3, ClientID: clientB, Attempt: 1, At: t0, Outcome: schema.LoggedDelivered})
	x, err := attemptlog.NewIndex(attemptlog.IndexConfig{Kafka: k, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	runUntilCleanup(tb, w.Run)
	runUntilCleanup(tb, x.Run)
	wait.For(tb, 10*time.Second, func() (bool, string) { return x.Stats().Attempts == 6, fmt.Sprintf("%+v", x.Stats()) })
	e.serveAttempts(tb, x)
	return e
}

// runUntilCleanup runs run until the test ends.
func runUntilCleanup(tb testing.TB, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
}

func TestAttemptsListsNewestFirstWithTheDocumentedShape(t *testing.T) {
	e := attemptsFixture(t)
	body := e.mustDo(t, "GET", "/hooks/1/attempts?limit=1", e.tokA, "", http.StatusOK)
	page := mustDecode[struct {
		Attempts []map[string]any `json:"attempts"`
		Next     string           `json:"next"`
	}](t, body)
	mustJSONEqual(t, mustJSON(t, page.Attempts), `[{"event_id":"ev-5","hook_id":1,"client_id":116078,"attempt":1,"at":"2026-03-01T10:05:00Z",
		"duration_ms":7,"outcome":"delivered","status":200,"response":"thanks","endpoint":"https://new.example.com"}]`)
	if page.Next == "" {
		t.Fatalf("no next cursor on a page with more after it: %s", body)
	}
	var got []string
	q := "/hooks/1/attempts?limit=2"
	for range 4 {
		page := mustDecode[struct {
			Attempts []schema.LoggedAttempt `json:"attempts"`
			Next     *string                `json:"next"`
		}](t, e.mustDo(t, "GET", q, e.tokA, "", http.StatusOK))
		for _, a := range page.Attempts {
			got = append(got, a.EventID)
		}
		if page.Next == nil {
			break
		}
		q = "/hooks/1/attempts?limit=2&cursor=" + url.QueryEscape(*page.Next)
	}
	if fmt.Sprint(got) != "[ev-5 ev-4 ev-3 ev-2 ev-1]" {
		t.Errorf("pages gave %v", got)
	}
}

func TestAttemptsFilters(t *testing.T) {
	e := attemptsFixture(t)
	for _, tt := range []struct{ query, want string }{
		{"outcome=failed", "[ev-4 ev-2]"},
		{"event_id=ev-3", "[ev-3]"},
		{"since=2026-03-01T10:03:00Z&until=2026-03-01T10:05:00Z", "[ev-4 ev-3]"},
		{"outcome=delivered&since=2026-03-01T10:02:00Z", "[ev-5 ev-3]"},
		{"event_id=nope", "[]"},
	} {
		body := e.mustDo(t, "GET", "/hooks/1/attempts?"+tt.query, e.tokA, "", http.StatusOK)
		page := mustDecode[struct {
			Attempts []schema.LoggedAttempt `json:"attempts"`
		}](t, body)
		var got []string
		for _, a := range page.Attempts {
			got = append(got, a.EventID)
		}
		if fmt.Sprint(got) != tt.want && !(tt.want == "[]" && len(got) == 0) {
			t.Errorf("%s: %v, want %s", tt.query, got, tt.want)
		}
	}
	mustJSONEqual(t, e.mustDo(t, "GET", "/hooks/1/attempts?event_id=nope", e.tokA, "", http.StatusOK), `{"attempts":[],"next":null}`)
}

func TestAttemptsErrors(t *testing.T) {
	e := attemptsFixture(t)
	e.mustError(t, "GET", "/hooks/1/attempts", "", "", http.StatusUnauthorized, `{"error":"Unauthorized"}`)
	e.mustError(t, "GET", "/hooks/1/attempts", "wrong-token", "", http.StatusUnauthorized, `{"error":"Unauthorized"}`)
	for _, path := range []string{"/hooks/2/attempts", "/hooks/3/attempts", "/hooks/99/attempts", "/hooks/x/attempts", "/hooks/0/attempts"} {
		e.mustError(t, "GET", path, e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
	}
	// 404 before the query is looked at.
	e.mustError(t, "GET", "/hooks/3/attempts?limit=0", e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
	for _, tt := range []struct{ query, msg string }{
		{"since=yesterday", "since must be an RFC 3339 time, like 2019-07-16T16:51:20Z"},
		{"until=2026-13-01T00:00:00Z", "until must be an RFC 3339 time, like 2019-07-16T16:51:20Z"},
		{"since=2026-03-01T10:05:00Z&until=2026-03-01T10:05:00Z", "since must be before until"},
		{"limit=0", "limit must be an integer from 1 to 1000"},
		{"limit=1001", "limit must be an integer from 1 to 1000"},
		{"limit=ten", "limit must be an integer from 1 to 1000"},
		{"outcome=ok", "outcome must be one of delivered, failed, skipped"},
		{"event_id=", "event_id must not be empty: leave it out to list every event's attempts"},
		{"cursor=", "cursor must not be empty: pass a reply's next, or leave it out for the first page"},
		{"cursor=bogus", attemptlog.ErrBadCursor.Error()},
	} {
		e.mustError(t, "GET", "/hooks/1/attempts?"+tt.query, e.tokA, "", http.StatusBadRequest, mustJSON(t, map[string]any{"error": map[string]string{"message": tt.msg}}))
	}
	e.mustError(t, "POST", "/hooks/1/attempts", e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
}

// Until the index has read the log the call answers 503; without the
// delivery log it is not served.
func TestAttemptsWhileNotReadyAndWithoutTheLog(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateHook(context.Background(), clientA, 12345, "https://new.example.com/1"); err != nil {
		t.Fatal(err)
	}
	e.mustError(t, "GET", "/hooks/1/attempts", e.tokA, "", http.StatusNotFound, `{"error":"NotFound"}`)
	e.serveAttempts(t, notReady{})
	e.mustError(t, "GET", "/hooks/1/attempts", e.tokA, "", http.StatusServiceUnavailable, `{"error":"ServiceUnavailable"}`)
}

// mustJSON is v as JSON text.
func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

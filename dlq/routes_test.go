package dlq

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// apiServer serves the routes as hook.NewHandler would, under no base
// path; the account is the X-Client header (the bearer token's stand-in).
func apiServer(tb testing.TB, e *env, hooks Hooks) http.Handler {
	tb.Helper()
	mux := http.NewServeMux()
	for _, rt := range Routes(e.cfg, hooks, e.pub, clock()) {
		mux.HandleFunc(rt.Pattern, func(w http.ResponseWriter, r *http.Request) {
			client, _ := strconv.ParseInt(r.Header.Get("X-Client"), 10, 64)
			status, body := rt.Handle(r, client)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(body)
		})
	}
	return mux
}

// call makes one request and returns the status and the body.
func call(tb testing.TB, h http.Handler, client int64, method, target, body string) (int, string) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header.Set("X-Client", strconv.FormatInt(client, 10))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

type listBody struct {
	DeadLetters []struct {
		ID             string          `json:"id"`
		EventID        string          `json:"event_id"`
		Hook           json.RawMessage `json:"hook"`
		Reason         string          `json:"reason"`
		Attempts       []any           `json:"attempts"`
		RequestsSent   *int            `json:"requests_sent"`
		Skipped        *int            `json:"attempts_skipped"`
		FirstAttemptAt string          `json:"first_attempt_at"`
		LastAttemptAt  string          `json:"last_attempt_at"`
		DeadAt         string          `json:"dead_at"`
		Replayed       bool            `json:"replayed"`
	} `json:"dead_letters"`
}

func mustList(tb testing.TB, h http.Handler, client int64, target string) listBody {
	tb.Helper()
	status, body := call(tb, h, client, "GET", target, "")
	if status != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", target, status, body)
	}
	var lb listBody
	if err := json.Unmarshal([]byte(body), &lb); err != nil {
		tb.Fatalf("GET %s: %v in %s", target, err, body)
	}
	return lb
}

func TestRouteListDeadLetters(t *testing.T) {
	e, hooks := replayFixture(t)
	h := apiServer(t, e, hooks)

	lb := mustList(t, h, clientA, "/hooks/1/dead-letters")
	if len(lb.DeadLetters) != 2 {
		t.Fatalf("%+v", lb)
	}
	d := lb.DeadLetters[0]
	if d.EventID != "ev-1" || d.Reason != "retries_exhausted" || len(d.Attempts) != 6 || d.Replayed ||
		d.DeadAt != "2026-03-01T10:01:00Z" || d.FirstAttemptAt != "2026-03-01T08:19:00Z" || d.LastAttemptAt != "2026-03-01T09:59:00Z" ||
		string(d.Hook) != `{"id":1,"client_id":116078,"destination_id":12345,"url":"https://hooks.example.com/catch/1"}` || d.ID == "" {
		t.Errorf("first dead letter %+v", d)
	}
	if d.RequestsSent == nil || *d.RequestsSent != 3 || d.Skipped == nil || *d.Skipped != 3 {
		t.Errorf("first dead letter: requests_sent %v, attempts_skipped %v; want 3 and 3", d.RequestsSent, d.Skipped)
	}
	if lb.DeadLetters[1].EventID != "ev-5" {
		t.Errorf("second %+v", lb.DeadLetters[1])
	}
	if lb := mustList(t, h, clientA, "/hooks/1/dead-letters?limit=1"); len(lb.DeadLetters) != 1 || lb.DeadLetters[0].EventID != "ev-1" {
		t.Errorf("limit=1: %+v", lb)
	}
	if lb := mustList(t, h, clientA, "/hooks/1/dead-letters?since=2026-03-01T10:02:00Z&until=2026-03-01T10:06:00Z"); len(lb.DeadLetters) != 1 || lb.DeadLetters[0].EventID != "ev-5" {
		t.Errorf("since/until: %+v", lb)
	}
	// A disabled hook's dead letters are listed.
	if lb := mustList(t, h, clientA, "/hooks/2/dead-letters"); len(lb.DeadLetters) != 1 {
		t.Errorf("disabled hook: %+v", lb)
	}
	// After a replay, replayed is true.
	if status, body := call(t, h, clientA, "POST", "/hooks/1/dead-letters/replay", ""); status != 200 {
		t.Fatalf("replay: %d %s", status, body)
	}
	for _, d := range mustList(t, h, clientA, "/hooks/1/dead-letters").DeadLetters {
		if !d.Replayed {
			t.Errorf("%s not replayed", d.ID)
		}
	}
}

func TestRouteListRefusals(t *testing.T) {
	e, hooks := replayFixture(t)
	h := apiServer(t, e, hooks)
	for _, tc := range []struct {
		client int64
		target string
		status int
		body   string
	}{
		{clientB, "/hooks/1/dead-letters", 404, `{"error":"NotFound"}`},   // another account's
		{clientA, "/hooks/3/dead-letters", 404, `{"error":"NotFound"}`},   // deleted
		{clientB, "/hooks/4/dead-letters", 404, `{"error":"NotFound"}`},   // now account C's
		{clientA, "/hooks/abc/dead-letters", 404, `{"error":"NotFound"}`}, // not an id
		{clientA, "/hooks/0/dead-letters", 404, `{"error":"NotFound"}`},   // not an id
		{clientA, "/hooks/1/dead-letters?limit=0", 400, `{"error":{"message":"limit must be an integer from 1 to 1000"}}`},
		{clientA, "/hooks/1/dead-letters?limit=1001", 400, `{"error":{"message":"limit must be an integer from 1 to 1000"}}`},
		{clientA, "/hooks/1/dead-letters?since=yesterday", 400, `{"error":{"message":"since must be an RFC 3339 time, like 2019-07-16T16:51:20Z"}}`},
		{clientA, "/hooks/1/dead-letters?until=", 400, `{"error":{"message":"until must be an RFC 3339 time, like 2019-07-16T16:51:20Z"}}`},
		{clientA, "/hooks/1/dead-letters?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", 400, `{"error":{"message":"since must be before until"}}`},
	} {
		status, body := call(t, h, tc.client, "GET", tc.target, "")
		if status != tc.status || body != tc.body {
			t.Errorf("GET %s as %d: %d %s, want %d %s", tc.target, tc.client, status, body, tc.status, tc.body)
		}
	}
}

func TestRouteReplay(t *testing.T) {
	e, hooks := replayFixture(t)
	h := apiServer(t, e, hooks)

	status, body := call(t, h, clientA, "POST", "/hooks/1/dead-letters/replay", `{"dry_run":true}`)
	var res ReplayResult
	if err := json.Unmarshal([]byte(body), &res); status != 200 || err != nil || !res.DryRun || res.Replayed != 2 {
		t.Fatalf("dry run: %d %s", status, body)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 0 {
		t.Fatalf("dry run published %d", n)
	}

	status, body = call(t, h, clientA, "POST", "/hooks/1/dead-letters/replay", `{"since":"2026-03-01T10:03:00Z"}`)
	res = ReplayResult{}
	if err := json.Unmarshal([]byte(body), &res); status != 200 || err != nil || res.Replayed != 1 ||
		len(res.Outcomes) != 1 || res.Outcomes[0].EventID != "ev-5" || res.Outcomes[0].HookID != 1 {
		t.Fatalf("since: %d %s", status, body)
	}
	status, body = call(t, h, clientA, "POST", "/hooks/1/dead-letters/replay", "")
	if status != 200 || !strings.Contains(body, `"replayed":1,"skipped":{"already replayed":1}`) {
		t.Fatalf("empty body: %d %s", status, body)
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 2 {
		t.Fatalf("%d deliveries, want 2", n)
	}

	// A disabled hook: everything skipped, and said so.
	status, body = call(t, h, clientA, "POST", "/hooks/2/dead-letters/replay", "")
	if status != 200 || !strings.Contains(body, `"replayed":0,"skipped":{"hook disabled":1}`) {
		t.Fatalf("disabled hook: %d %s", status, body)
	}
}

func TestRouteReplayRefusals(t *testing.T) {
	e, hooks := replayFixture(t)
	h := apiServer(t, e, hooks)
	for _, tc := range []struct {
		client       int64
		target, body string
		status       int
	}{
		{clientB, "/hooks/1/dead-letters/replay", "", 404},
		{clientA, "/hooks/3/dead-letters/replay", "", 404},
		{clientA, "/hooks/1/dead-letters/replay", `{"dry_run":"yes"}`, 400},
		{clientA, "/hooks/1/dead-letters/replay", `{"force":true}`, 400},
		{clientA, "/hooks/1/dead-letters/replay", `{"since":"yesterday"}`, 400},
		{clientA, "/hooks/1/dead-letters/replay", `{} {}`, 400},
		{clientA, "/hooks/1/dead-letters/replay", `[]`, 400},
		{clientA, "/hooks/1/dead-letters/replay", `{"since":"2026-03-02T00:00:00Z","until":"2026-03-01T00:00:00Z"}`, 400},
		{clientA, "/hooks/1/dead-letters/replay", `{"dry_run":true}` + strings.Repeat(" ", maxReplayBody), 413},
	} {
		if status, body := call(t, h, tc.client, "POST", tc.target, tc.body); status != tc.status {
			t.Errorf("POST %s %.40q as %d: %d %s, want %d", tc.target, tc.body, tc.client, status, body, tc.status)
		}
	}
	if n := len(e.mustRead(t, "postload.retry.1")); n != 0 {
		t.Fatalf("refused replays published %d", n)
	}
}

func TestRouteKafkaDownIs503(t *testing.T) {
	e, hooks := replayFixture(t)
	cfg := e.cfg
	cfg.Kafka, cfg.Timeout = mustKafka(t, "127.0.0.1:1", 500*time.Millisecond), 500*time.Millisecond
	h := apiServer(t, &env{cfg: cfg, pub: e.pub}, hooks)
	for _, m := range []string{"GET /hooks/1/dead-letters", "POST /hooks/1/dead-letters/replay"} {
		method, target, _ := strings.Cut(m, " ")
		if status, body := call(t, h, clientA, method, target, ""); status != 503 || body != `{"error":"ServiceUnavailable"}` {
			t.Errorf("%s: %d %s", m, status, body)
		}
	}
}

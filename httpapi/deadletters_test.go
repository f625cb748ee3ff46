package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

// t0 is the origin of the dead letters' times.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// deadLetterFixture: hook 1 (account A) enabled with two dead letters, hook
// 2 (A) disabled, hook 3 deleted, hook 4 once account B's and now account
// C's (treated as deleted). The dead letters (testdata/dead-letters.jsonl,
// as the dispatcher writes them, keyed by client) died at t0 plus 1 to 5
// minutes, ev-1 to ev-5, after six attempts each; ev-1's last 3 attempts
// were skipped by the open breaker.
func deadLetterFixture(tb testing.TB) *env {
	tb.Helper()
	e := newEnv(tb)
	ctx := context.Background()
	for i, client := range []int64{clientA, clientA, clientA, clientC} {
		h, err := e.store.CreateHook(ctx, client, 12345, fmt.Sprintf("https://new.example.com/%d", i+1))
		if err != nil || h.ID != int64(i+1) {
			tb.Fatalf("hook %d: %+v, %v", i+1, h, err)
		}
	}
	if _, err := e.store.SetHookEnabled(ctx, clientA, 2, false); err != nil {
		tb.Fatal(err)
	}
	if err := e.store.DeleteHook(ctx, clientA, 3); err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/dead-letters.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	for _, value := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		d, err := schema.DecodeDeadLetter(value)
		if err != nil {
			tb.Fatalf("testdata: %v", err)
		}
		if err := e.pub.Publish(ctx, "postload.dlq", []byte(strconv.FormatInt(d.Hook.ClientID, 10)), value); err != nil {
			tb.Fatal(err)
		}
	}
	return e
}

// mustCount returns how many records partition 0 of topic holds.
func (e *env) mustCount(tb testing.TB, topic string) int64 {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(e.cluster.Addr), Timeout: 10 * time.Second, Transport: tr}
	res, err := cl.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{
		Topics: map[string][]kafka.OffsetRequest{topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0)}},
	})
	if err != nil || len(res.Topics[topic]) != 1 || res.Topics[topic][0].Error != nil {
		tb.Fatalf("offsets of %s: %+v, %v", topic, res, err)
	}
	p := res.Topics[topic][0]
	return p.LastOffset - p.FirstOffset
}

// tok is the token of account client.
func (e *env) tok(tb testing.TB, client int64) string {
	tb.Helper()
	switch client {
	case clientA:
		return e.tokA
	case clientB:
		return e.tokB
	}
	tb.Fatalf("no token for account %d", client)
	return ""
}

// call makes one request as the account of tok and returns the status and
// the body.
func call(tb testing.TB, e *env, tok, method, target, body string) (int, string) {
	tb.Helper()
	return e.do(tb, method, target, tok, body)
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

func mustList(tb testing.TB, e *env, tok, target string) listBody {
	tb.Helper()
	status, body := call(tb, e, tok, "GET", target, "")
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
	e := deadLetterFixture(t)

	lb := mustList(t, e, e.tokA, "/hooks/1/dead-letters")
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
	if lb := mustList(t, e, e.tokA, "/hooks/1/dead-letters?limit=1"); len(lb.DeadLetters) != 1 || lb.DeadLetters[0].EventID != "ev-1" {
		t.Errorf("limit=1: %+v", lb)
	}
	if lb := mustList(t, e, e.tokA, "/hooks/1/dead-letters?since=2026-03-01T10:02:00Z&until=2026-03-01T10:06:00Z"); len(lb.DeadLetters) != 1 || lb.DeadLetters[0].EventID != "ev-5" {
		t.Errorf("since/until: %+v", lb)
	}
	// A disabled hook's dead letters are listed.
	if lb := mustList(t, e, e.tokA, "/hooks/2/dead-letters"); len(lb.DeadLetters) != 1 {
		t.Errorf("disabled hook: %+v", lb)
	}
	// After a replay, replayed is true.
	if status, body := call(t, e, e.tokA, "POST", "/hooks/1/dead-letters/replay", ""); status != 200 {
		t.Fatalf("replay: %d %s", status, body)
	}
	for _, d := range mustList(t, e, e.tokA, "/hooks/1/dead-letters").DeadLetters {
		if !d.Replayed {
			t.Errorf("%s not replayed", d.ID)
		}
	}
}

func TestRouteListRefusals(t *testing.T) {
	e := deadLetterFixture(t)
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
		status, body := call(t, e, e.tok(t, tc.client), "GET", tc.target, "")
		if status != tc.status || body != tc.body {
			t.Errorf("GET %s as %d: %d %s, want %d %s", tc.target, tc.client, status, body, tc.status, tc.body)
		}
	}
}

func TestRouteReplay(t *testing.T) {
	e := deadLetterFixture(t)

	status, body := call(t, e, e.tokA, "POST", "/hooks/1/dead-letters/replay", `{"dry_run":true}`)
	var res dlq.ReplayResult
	if err := json.Unmarshal([]byte(body), &res); status != 200 || err != nil || !res.DryRun || res.Replayed != 2 {
		t.Fatalf("dry run: %d %s", status, body)
	}
	if n := e.mustCount(t, "postload.retry.1"); n != 0 {
		t.Fatalf("dry run published %d", n)
	}

	status, body = call(t, e, e.tokA, "POST", "/hooks/1/dead-letters/replay", `{"since":"2026-03-01T10:03:00Z"}`)
	res = dlq.ReplayResult{}
	if err := json.Unmarshal([]byte(body), &res); status != 200 || err != nil || res.Replayed != 1 ||
		len(res.Outcomes) != 1 || res.Outcomes[0].EventID != "ev-5" || res.Outcomes[0].HookID != 1 {
		t.Fatalf("since: %d %s", status, body)
	}
	status, body = call(t, e, e.tokA, "POST", "/hooks/1/dead-letters/replay", "")
	if status != 200 || !strings.Contains(body, `"replayed":1,"skipped":{"already replayed":1}`) {
		t.Fatalf("empty body: %d %s", status, body)
	}
	if n := e.mustCount(t, "postload.retry.1"); n != 2 {
		t.Fatalf("%d deliveries, want 2", n)
	}

	// A disabled hook: everything skipped, and said so.
	status, body = call(t, e, e.tokA, "POST", "/hooks/2/dead-letters/replay", "")
	if status != 200 || !strings.Contains(body, `"replayed":0,"skipped":{"hook disabled":1}`) {
		t.Fatalf("disabled hook: %d %s", status, body)
	}
}

func TestRouteReplayRefusals(t *testing.T) {
	e := deadLetterFixture(t)
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
		{clientA, "/hooks/1/dead-letters/replay", `{"dry_run":true}` + strings.Repeat(" ", maxBody), 413},
	} {
		if status, body := call(t, e, e.tok(t, tc.client), "POST", tc.target, tc.body); status != tc.status {
			t.Errorf("POST %s %.40q as %d: %d %s, want %d", tc.target, tc.body, tc.client, status, body, tc.status)
		}
	}
	if n := e.mustCount(t, "postload.retry.1"); n != 0 {
		t.Fatalf("refused replays published %d", n)
	}
}

func TestRouteKafkaDownIs503(t *testing.T) {
	e := deadLetterFixture(t)
	cfg := e.dlqCfg
	cfg.Kafka, cfg.Timeout = mustKafka(t, "127.0.0.1:1", 500*time.Millisecond), 500*time.Millisecond
	e.serve(t, mustQueue(t, cfg, e))
	for _, m := range []string{"GET /hooks/1/dead-letters", "POST /hooks/1/dead-letters/replay"} {
		method, target, _ := strings.Cut(m, " ")
		if status, body := call(t, e, e.tokA, method, target, ""); status != 503 || body != `{"error":"ServiceUnavailable"}` {
			t.Errorf("%s: %d %s", m, status, body)
		}
	}
}

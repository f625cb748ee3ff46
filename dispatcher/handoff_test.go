package dispatcher

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/postload/postload/schema"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// The dead letter's log line tells the requests sent from the attempts
// the open breaker skipped.
func TestDeadLetterLogCountsRequestsAndSkips(t *testing.T) {
	var w written
	d := groupDispatcher(t, &w, testHook)
	core, logs := observer.New(zap.InfoLevel)
	d.cfg.Log = zap.New(core)
	now := time.Now().UTC()
	dl := schema.Delivery{
		Event: string(schema.SampleLoadEvent("ev-1", 1, 2, false, now)), HookID: testHook.ID, Attempt: 3, DueAt: now,
		Error: ErrBreakerOpen.Error(),
		Attempts: []schema.Attempt{
			{Number: 1, StartedAt: now, DurationMS: 12, Status: http.StatusServiceUnavailable, Error: "HTTP 503 Service Unavailable"},
			{Number: 2, StartedAt: now, Error: ErrBreakerOpen.Error(), Skipped: true},
		},
	}
	b, err := schema.EncodeRecord(dl)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.HandleRetry(context.Background(), Source{Topic: "r2"}, b); err != nil {
		t.Fatal(err)
	}
	if n := len(deadLetters(t, &w)); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
	lines := logs.FilterMessage("dead letter").All()
	if len(lines) != 1 {
		t.Fatalf("%d dead letter lines, want 1", len(lines))
	}
	f := lines[0].ContextMap()
	if f["attempts"] != int64(3) || f["requests_sent"] != int64(1) || f["attempts_skipped"] != int64(2) {
		t.Errorf("dead letter line %v, want attempts 3, requests_sent 1, attempts_skipped 2", f)
	}
}

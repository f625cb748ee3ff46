package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

func TestDeliveryLogFlags(t *testing.T) {
	c, err := parseServe(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.NoDeliveryLog || c.DeliveryLogRetention != attemptlog.DefaultRetention || c.DeliveryLogRetentionBytes != attemptlog.DefaultRetentionBytes ||
		c.DeliveryLogPerHook != attemptlog.DefaultPerHook || c.DeliveryLogIndexBytes != attemptlog.DefaultIndexBytes {
		t.Errorf("defaults %+v", c)
	}
	if c, _ := parseServe([]string{"--delivery-log=false"}, func(string) string { return "" }, io.Discard); !c.NoDeliveryLog {
		t.Error("--delivery-log=false left the log on")
	}
	env := map[string]string{"POSTLOAD_DELIVERY_LOG": "false", "POSTLOAD_DELIVERY_LOG_RETENTION": "48h"}
	if c, _ := parseServe(nil, func(k string) string { return env[k] }, io.Discard); !c.NoDeliveryLog || c.DeliveryLogRetention != 48*time.Hour {
		t.Errorf("env twins: %+v", c)
	}
	for _, tt := range []struct{ args []string }{
		{[]string{"--delivery-log-retention", "-1h"}},
		{[]string{"--delivery-log-retention-bytes", "-5"}},
		{[]string{"--delivery-log-index-per-hook", "-1"}},
		{[]string{"--delivery-log-index-bytes", "-1"}},
	} {
		if _, err := parseServe(tt.args, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), tt.args[0]) {
			t.Errorf("%v: error %v, want one naming %s", tt.args, err, tt.args[0])
		}
	}
}

// failOnceReceiver answers its first request 500 "try later", the others
// 200 "thanks".
func failOnceReceiver(t *testing.T) *webhooktest.Receiver {
	rc := webhooktest.NewReceiver(t)
	var n atomic.Int64
	rc.Respond(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "try later")
			return
		}
		io.WriteString(w, "thanks")
	})
	return rc
}

// attemptsPage is the body of GET /hooks/{id}/attempts.
type attemptsPage struct {
	Attempts []schema.LoggedAttempt `json:"attempts"`
	Next     *string                `json:"next"`
}

// waitAttempts waits until the API lists n attempts of hook h.
func waitAttempts(tb testing.TB, in *instance, tok string, h schema.Hook, n int) []schema.LoggedAttempt {
	tb.Helper()
	var page attemptsPage
	wait.For(tb, 30*time.Second, func() (bool, string) {
		status, body := call(tb, "GET", fmt.Sprintf("%s/hooks/%d/attempts", in.api, h.ID), tok, nil)
		if status != http.StatusOK {
			return false, fmt.Sprintf("%d %s", status, body)
		}
		page = attemptsPage{}
		if err := json.Unmarshal(body, &page); err != nil {
			tb.Fatalf("%s: %v", body, err)
		}
		return len(page.Attempts) == n, string(body)
	})
	return page.Attempts
}

// checkFailedThenDelivered checks the two attempts of event e1 to h: the
// first failed with the receiver's 500 and body, the second delivered.
func checkFailedThenDelivered(t *testing.T, h schema.Hook, got []schema.LoggedAttempt, endpoint string) {
	t.Helper()
	second, first := got[0], got[1] // newest first
	if first.EventID != "e1" || first.HookID != h.ID || first.ClientID != 1 || first.Attempt != 1 || first.Outcome != schema.LoggedFailed ||
		first.Status != 500 || first.Response != "try later" || first.Error != "HTTP 500 Internal Server Error" || first.Endpoint != endpoint {
		t.Errorf("first attempt %+v; want e1, attempt 1, failed, 500, \"try later\", its error, endpoint %s", first, endpoint)
	}
	if second.EventID != "e1" || second.Attempt != 2 || second.Outcome != schema.LoggedDelivered || second.Status != 200 ||
		second.Response != "thanks" || second.Error != "" || second.At.Before(first.At) {
		t.Errorf("second attempt %+v; want e1, attempt 2, delivered, 200, \"thanks\", after the first", second)
	}
}

// An event to a hook whose receiver fails once: both attempts are in the
// API's attempts log, with status, response snippet and error, and the
// metric counts the records written.
func TestDeliveryLogShowsEachAttempt(t *testing.T) {
	rc := failOnceReceiver(t)
	in, h, tok := startWithHook(t, testConfig(t), rc)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))
	got := waitAttempts(t, in, tok, h, 2)
	checkFailedThenDelivered(t, h, got, strings.TrimSuffix(rc.URL, "/"))
	if n := scrape(t, in, "postload_delivery_log_records_total", map[string]string{"result": "written"}); n != 2 {
		t.Errorf("postload_delivery_log_records_total{result=written} %v, want 2", n)
	}
	if n := scrape(t, in, "postload_delivery_log_index_attempts", nil); n != 2 {
		t.Errorf("postload_delivery_log_index_attempts %v, want 2", n)
	}
	// Another account's token: 404.
	other := mustToken(t, in.cfg, 9)
	wait.For(t, 10*time.Second, func() (bool, string) { // once the new token is loaded
		status, body := call(t, "GET", fmt.Sprintf("%s/hooks/%d/attempts", in.api, h.ID), other, nil)
		return status == http.StatusNotFound, fmt.Sprintf("another account: %d %s, want 404", status, body)
	})
}

// --delivery-log=false: the event is delivered, the topic is not made or
// written, and the attempts call answers 404.
func TestDeliveryLogOff(t *testing.T) {
	rc := failOnceReceiver(t)
	cfg := testConfig(t)
	cfg.NoDeliveryLog = true
	in, h, tok := startWithHook(t, cfg, rc)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))
	wait.For(t, 30*time.Second, func() (bool, string) { return rc.Count() == 2, fmt.Sprintf("%d requests", rc.Count()) })
	status, body := call(t, "GET", fmt.Sprintf("%s/hooks/%d/attempts", in.api, h.ID), tok, nil)
	if status != http.StatusNotFound || strings.TrimSpace(string(body)) != `{"error":"NotFound"}` {
		t.Errorf("attempts with the log off: %d %s, want 404 NotFound", status, body)
	}
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: in.brokers, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	err = k.Spans(context.Background(), "postload.attempts", func(int, int64, int64) {})
	if missing := (*consumer.MissingTopicError)(nil); !errors.As(err, &missing) {
		t.Errorf("postload.attempts with the log off: %v, want no such topic", err)
	}
}

// The attempts log survives a restart: a new process rebuilds its index
// from the topic and lists the same attempts.
func TestDeliveryLogIsRebuiltAfterARestart(t *testing.T) {
	w := newWorld(t, 1)
	var n atomic.Int64
	w.rc.Respond(func(rw http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			rw.WriteHeader(http.StatusInternalServerError)
			io.WriteString(rw, "try later")
			return
		}
		io.WriteString(rw, "thanks")
	})
	flags := []string{"--partitions", "2", "--retry-delays", "100ms,100ms,100ms,100ms,100ms", "--session-timeout", "6s", "--drain-timeout", "2s"}
	p1, in := w.start(t, flags...)
	waitAPI(t, in)
	h := mustHook(t, in, w.tok, 2, w.rc.URL)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))
	before := waitAttempts(t, in, w.tok, h, 2)
	checkFailedThenDelivered(t, h, before, strings.TrimSuffix(w.rc.URL, "/"))
	if err := p1.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := p1.Process.Wait(); err != nil {
		t.Fatal(err)
	}

	_, in2 := w.start(t, flags...)
	waitAPI(t, in2)
	after := waitAttempts(t, in2, w.tok, h, 2)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("after the restart:\n%+v\nbefore:\n%+v", after, before)
	}
	if got := w.rc.Count(); got != 2 {
		t.Errorf("%d requests, want 2 (nothing sent again)", got)
	}
}

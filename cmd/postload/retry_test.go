package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

func TestRetriesAreNeverEarlyAndKeepTheWebhookID(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(n int, _ *http.Request) int {
		if n < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	cfg := testConfig(t)
	cfg.RetryDelays = []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, time.Second, time.Second, time.Second}
	in, h, _ := startWithHook(t, cfg, rc)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))

	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 3, fmt.Sprintf("%d requests", rc.Count()) })
	reqs := rc.Requests()
	want := "e1." + strconv.FormatInt(h.ID, 10)
	for i, r := range reqs {
		if got := r.Header.Get("Webhook-Id"); got != want {
			t.Errorf("attempt %d webhook-id %q, want %q", i+1, got, want)
		}
	}
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < cfg.RetryDelays[i-1] {
			t.Errorf("attempt %d came %v after attempt %d: earlier than its tier's %v", i+1, gap, i, cfg.RetryDelays[i-1])
		}
	}
	if dls := deadLetters(t, in); len(dls) != 0 {
		t.Errorf("%d dead letters for a delivery that succeeded", len(dls))
	}
}

func TestAlwaysFailingHookGetsSixAttemptsThenOneDeadLetter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(n int, r *http.Request) int
		errHas string
	}{
		{"500 forever", func(int, *http.Request) int { return http.StatusInternalServerError }, "HTTP 500"},
		{"never answers", func(_ int, r *http.Request) int { <-r.Context().Done(); return webhooktest.NoAnswer }, "no response within 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := webhooktest.NewReceiver(t)
			rc.Answer(tc.answer)
			cfg := testConfig(t)
			cfg.AttemptTimeout = 300 * time.Millisecond
			in, h, _ := startWithHook(t, cfg, rc)
			mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))

			var dls []schema.DeadLetter
			wait.For(t, 30*time.Second, func() (bool, string) {
				dls = deadLetters(t, in)
				return len(dls) == 1, fmt.Sprintf("%d dead letters, %d requests", len(dls), rc.Count())
			})
			for _, topic := range newTopicNames("", 5).Retry {
				waitCommitted(t, in, "postload.retry", topic)
			}
			if n := rc.Count(); n != 6 {
				t.Errorf("%d requests, want 6", n)
			}
			dl := dls[0]
			if dl.EventID != "e1" || dl.Hook.ID != h.ID || dl.Hook.URL != rc.URL || dl.Hook.ClientID != 1 || dl.Hook.DestinationID != 2 || dl.Reason != schema.ReasonRetriesExhausted {
				t.Errorf("dead letter %+v", dl)
			}
			if dl.Event != string(loadEvent("e1", 1, 2, prettyPayload)) {
				t.Errorf("dead letter's event is not the message as received")
			}
			if len(dl.Attempts) != 6 {
				t.Fatalf("%d attempts recorded, want 6", len(dl.Attempts))
			}
			for i, a := range dl.Attempts {
				if a.Number != i+1 || !strings.Contains(a.Error, tc.errHas) {
					t.Errorf("attempt %d = %+v, want number %d and an error with %q", i, a, i+1, tc.errHas)
				}
			}
			if !dl.FirstAttemptAt.Equal(dl.Attempts[0].StartedAt) || !dl.LastAttemptAt.Equal(dl.Attempts[5].StartedAt) {
				t.Errorf("first/last attempt times %v/%v do not match the attempts", dl.FirstAttemptAt, dl.LastAttemptAt)
			}
		})
	}
}

// A busy dead endpoint trips its breaker; while open only probes reach it,
// and every delivery still ends in exactly one dead letter. The deliveries
// it refuses travel the tiers in groups, handed on whole; a delivery alone
// is handed on without decoding its event when the tier can read it the
// fast way (the plain payload), and decoded in full when it cannot (a \u
// escape in the event).
func TestOpenBreakerSendsOnlyProbes(t *testing.T) {
	plain := strings.Replace(prettyPayload, `caf\u00e9`, "café", 1)
	for name, payload := range map[string]string{"plain": plain, "escaped": prettyPayload} {
		t.Run(name, func(t *testing.T) { testOpenBreakerSendsOnlyProbes(t, payload) })
	}
}

func testOpenBreakerSendsOnlyProbes(t *testing.T, payload string) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
	cfg := testConfig(t)
	cfg.Breaker = dispatcher.EndpointConfig{MinRequests: 5, FailureRatio: 0.6, Window: time.Minute, OpenTimeout: time.Hour, MaxConcurrent: 4}
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	core, logs := observer.New(zap.InfoLevel)
	in := mustServeLog(t, cfg, zap.New(core))
	mustHook(t, in, tok, 2, rc.URL)
	const events = 40
	// In one produce, so that the deliveries the open breaker refuses are
	// refused together, as a busy endpoint's are.
	msgs := make([]kafka.Message, events)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: loadEvent(fmt.Sprintf("e%d", i), 1, 2, payload)}
	}
	mustProduceMessages(t, in.brokers, "load-completed", msgs...)
	wait.For(t, 30*time.Second, func() (bool, string) {
		n := len(deadLetters(t, in))
		return n == events, fmt.Sprintf("%d of %d dead letters", n, events)
	})
	// The breaker opens once 5 attempts failed; at most MaxConcurrent were
	// in flight then. With the open timeout at an hour, no probe is due.
	if n := rc.Count(); n > 5+4 {
		t.Errorf("%d requests reached a dead endpoint whose breaker was open, want at most 9 of the %d attempts", n, events*6)
	}
	seen := map[string]int{}
	for _, dl := range deadLetters(t, in) {
		seen[dl.EventID]++
		if len(dl.Attempts) != 6 {
			t.Errorf("dead letter of %s has %d attempts, want 6", dl.EventID, len(dl.Attempts))
		}
		for i, a := range dl.Attempts {
			if a.Number != i+1 {
				t.Errorf("dead letter of %s: attempt %d is numbered %d", dl.EventID, i+1, a.Number)
			}
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%d dead letters for %s, want 1", n, id)
		}
	}
	// Refused deliveries travel the tiers in groups: the last tier held
	// every event once, in fewer records than events.
	records, deliveries := 0, 0
	for _, m := range readAll(t, in.brokers, "postload.retry.5") {
		records++
		if !schema.IsGroup(m.Value) {
			deliveries++
			continue
		}
		dls, err := schema.DecodeGroup(m.Value)
		if err != nil {
			t.Fatalf("a group on postload.retry.5 is invalid: %v", err)
		}
		deliveries += len(dls)
	}
	if deliveries != events || records >= events {
		t.Errorf("postload.retry.5 held %d deliveries in %d records, want %d in fewer records", deliveries, records, events)
	}
	// Only attempts that sent a request log at info; the 200-odd that the
	// open breaker failed at once log at debug.
	if n := logs.FilterMessage("attempt failed").Len(); n != rc.Count() {
		t.Errorf("%d attempts logged at info, want one per request sent (%d)", n, rc.Count())
	}
}

// An endpoint down for less than the retry window gets every delivery once
// it is back, through the breaker's probe.
func TestShortOutageLosesNothing(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	// The outage, counted in requests rather than time: the first 6 fail,
	// enough to open the breaker (5 in the window, 60 % failed); the
	// deliveries meanwhile move along the tiers without a request, and its
	// probes, when deliveries come due after the 300 ms open timeout, find
	// the endpoint back, well within the retry window of 6.2 s.
	rc.Answer(func(n int, _ *http.Request) int {
		if n < 6 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	cfg := testConfig(t)
	cfg.RetryDelays = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond}
	cfg.Breaker = dispatcher.EndpointConfig{MinRequests: 5, FailureRatio: 0.6, Window: time.Minute, OpenTimeout: 300 * time.Millisecond, MaxConcurrent: 8}
	in, _, _ := startWithHook(t, cfg, rc)
	const events = 20
	for i := 0; i < events; i++ {
		mustProduce(t, in.brokers, "load-completed", fmt.Sprint(i), loadEvent(fmt.Sprintf("e%d", i), 1, 2, prettyPayload))
	}
	wait.For(t, 30*time.Second, func() (bool, string) {
		n := len(rc.Delivered())
		return n == events, fmt.Sprintf("%d of %d delivered, %d requests", n, events, rc.Count())
	})
	if dls := deadLetters(t, in); len(dls) != 0 {
		t.Errorf("%d dead letters after an outage shorter than the retry window", len(dls))
	}
}

// A 410 Gone disables the hook at once: one dead letter marked as such, the
// hook shows disabled_at through the API, and later events send nothing.
func TestGoneDisablesTheHook(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return http.StatusGone })
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)
	h := mustHook(t, in, tok, 2, rc.URL)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))

	var dls []schema.DeadLetter
	wait.For(t, 20*time.Second, func() (bool, string) {
		dls = deadLetters(t, in)
		return len(dls) == 1, fmt.Sprintf("%d dead letters", len(dls))
	})
	if dls[0].Reason != schema.ReasonHookGone || len(dls[0].Attempts) != 1 || dls[0].Attempts[0].Status != 410 {
		t.Errorf("dead letter %+v, want one attempt answered 410 and reason %s", dls[0], schema.ReasonHookGone)
	}
	status, body := call(t, "GET", in.api+"/hooks", tok, nil)
	var list struct {
		PostLoad []schema.Hook `json:"post_load"`
	}
	if err := json.Unmarshal(body, &list); status != 200 || err != nil || len(list.PostLoad) != 1 {
		t.Fatalf("GET /hooks: %d %s", status, body)
	}
	if got := list.PostLoad[0]; got.ID != h.ID || got.DisabledAt == nil {
		t.Fatalf("hook after 410: %+v, want disabled_at set", got)
	}
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e2", 1, 2, prettyPayload))
	waitCommitted(t, in, "postload", "load-completed")
	if n := rc.Count(); n != 1 {
		t.Errorf("%d requests, want only the one answered 410", n)
	}
}

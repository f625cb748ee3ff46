package dispatcher

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// mustTestDispatcher is a dispatcher whose one hook (7 of account 1) points
// at rc; its breaker opens on one failure, for an hour.
func mustTestDispatcher(t *testing.T, rc *webhooktest.Receiver, pub Publisher) (*Dispatcher, *oneHook) {
	t.Helper()
	hooks := &oneHook{h: schema.Hook{ID: 7, ClientID: 1, DestinationID: 2, Type: schema.HookTypePostLoad, Version: 1,
		Config: schema.HookConfig{URL: rc.URL + "/catch?token=abc", Secret: testSecret}}}
	d, err := New(Config{RetryTopics: []string{"r1"}, RetryDelays: []time.Duration{time.Second}, DLQTopic: "dlq",
		Endpoints: EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour, MaxConcurrent: 1, SlotWait: 50 * time.Millisecond}},
		hooks, pub, mustSender(t, 5*time.Second, rc))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, hooks
}

// TestSendTestIsASignedMarkedSampleSentOnce: a test is one request of a
// sample post-load payload, signed with the hook's secret (Standard
// Webhooks verifies it), its webhook-id "test_….7" and Webhook-Test: true;
// the result holds the status, the response's start and the outcome; no
// record is written (no retry, no dead letter).
func TestSendTestIsASignedMarkedSampleSentOnce(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Respond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200); w.Write([]byte(`{"ok":true}`)) })
	pub := &published{}
	d, hooks := mustTestDispatcher(t, rc, pub)
	hooks.h.DisabledAt = new(time.Now().UTC()) // a disabled hook can be tested
	sampled := time.Now().UTC().Truncate(time.Millisecond)
	d.now = func() time.Time { return sampled } // the sample's times

	got, err := d.SendTest(context.Background(), hooks.h)
	if err != nil {
		t.Fatal(err)
	}
	reqs := rc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	id := r.Header.Get("Webhook-Id")
	if !strings.HasPrefix(id, TestEventPrefix) || !strings.HasSuffix(id, ".7") || id != schema.WebhookID(got.EventID, 7) {
		t.Errorf("webhook-id %q, event id %q: want test_<id>.7", id, got.EventID)
	}
	if r.Header.Get(TestHeader) != "true" || r.Header.Get("User-Agent") != UserAgent {
		t.Errorf("headers %v: want %s: true and the contract's User-Agent", r.Header, TestHeader)
	}
	wh, err := standardwebhooks.NewWebhook(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.Body, r.Header); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	sample, err := schema.DecodeLoadEvent(schema.SampleLoadEvent(got.EventID, 1, 2, false, sampled))
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != string(sample.Payload) {
		t.Errorf("body %s: want the sample payload %s", r.Body, sample.Payload)
	}
	want := schema.LoggedAttempt{EventID: got.EventID, HookID: 7, ClientID: 1, Attempt: 1, At: got.At, DurationMS: got.DurationMS,
		Outcome: schema.LoggedDelivered, Status: 200, Response: `{"ok":true}`, Endpoint: rc.URL, Test: true}
	if got != want {
		t.Errorf("result\n got %+v\nwant %+v", got, want)
	}
	if len(pub.recs) != 0 {
		t.Errorf("a test wrote %d records, want none", len(pub.recs))
	}
}

// TestSendTestFailureCountsTowardsTheBreaker: a failed test is reported
// with its status, error and the first KiB of the body, is not retried, and
// counts like any attempt: with a breaker that opens on one failure, the
// next test is skipped without a request; a 410 does not disable the hook.
func TestSendTestFailureCountsTowardsTheBreaker(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	body := strings.Repeat("é", 1000) // 2000 bytes: cut to 1024, on a rune boundary
	rc.Respond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(410); w.Write([]byte(body)) })
	pub := &published{}
	d, hooks := mustTestDispatcher(t, rc, pub)

	got, err := d.SendTest(context.Background(), hooks.h)
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != schema.LoggedFailed || got.Status != 410 || got.Error != "HTTP 410 Gone" || got.Response != body[:1024] {
		t.Errorf("result %+v: want failed, 410, the first 1024 bytes", got)
	}
	if !hooks.h.Enabled() || len(pub.recs) != 0 {
		t.Errorf("a failed test disabled the hook (%v) or wrote records (%d)", !hooks.h.Enabled(), len(pub.recs))
	}

	got, err = d.SendTest(context.Background(), hooks.h)
	if err != nil {
		t.Fatal(err)
	}
	if got.Outcome != schema.LoggedSkipped || got.Status != 0 || got.Error != ErrBreakerOpen.Error() {
		t.Errorf("second test %+v: want skipped by the open breaker", got)
	}
	if n := rc.Count(); n != 1 {
		t.Errorf("receiver got %d requests, want 1 (the open breaker sends nothing)", n)
	}
}

// TestSendTestEndedByCtxIsAnError: a test whose caller went away answers
// ctx's error, not a result.
func TestSendTestEndedByCtxIsAnError(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rc.Answer(func(_ int, r *http.Request) int { cancel(); <-r.Context().Done(); return webhooktest.NoAnswer })
	d, hooks := mustTestDispatcher(t, rc, &published{})
	if _, err := d.SendTest(ctx, hooks.h); err != context.Canceled {
		t.Errorf("SendTest = %v, want context.Canceled", err)
	}
}

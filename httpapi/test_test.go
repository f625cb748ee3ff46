package httpapi

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

var _ Tester = (*dispatcher.Dispatcher)(nil)

// serveTester serves the API again, with t as its Tester.
func (e *env) serveTester(tb testing.TB, t Tester) {
	tb.Helper()
	s, err := New(Config{Tokens: e.tokens, Registry: e.store, DeadLetters: mustQueue(tb, e.dlqCfg, e), Tester: t, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	e.srv = httptest.NewServer(s)
	tb.Cleanup(e.srv.Close)
}

// mustTestDispatcher is a dispatcher over e's registry that trusts rc and
// may dial loopback; its breakers open on one failure, for an hour.
func mustTestDispatcher(tb testing.TB, e *env, rc *webhooktest.Receiver) *dispatcher.Dispatcher {
	tb.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(rc.Certificate())
	sender, err := dispatcher.NewSender(dispatcher.ClientConfig{AttemptTimeout: 5 * time.Second, RootCAs: pool,
		Egress: egress.TransportConfig{Dialer: egress.DialerConfig{Policy: egress.NewPolicy(egress.Loopback())}}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sender.Close)
	d, err := dispatcher.New(dispatcher.Config{Endpoints: dispatcher.EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour}},
		e.store, e.pub, sender)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(d.Close)
	return d
}

// TestSendTestSendsOneSignedMarkedWebhook: POST /hooks/{id}/test sends the
// receiver exactly one request, signed with the hook's secret, with
// Webhook-Test: true and a webhook-id "test_….<id>", also for a disabled
// hook, and answers 200 with the receiver's status and body even when the
// receiver failed.
func TestSendTestSendsOneSignedMarkedWebhook(t *testing.T) {
	e := newEnv(t)
	rc := webhooktest.NewReceiver(t)
	e.serveTester(t, mustTestDispatcher(t, e, rc))
	h := mustDecode[schema.Hook](t, e.mustDo(t, "POST", "/hooks", e.tokA, hookBodyFor(12345, rc.URL+"/catch"), http.StatusOK))
	e.mustDo(t, "PUT", fmt.Sprintf("/hooks/%d", h.ID), e.tokA, `{"enable":false}`, http.StatusOK)
	rc.Respond(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502); w.Write([]byte("bad gateway")) })

	got := mustDecode[map[string]any](t, e.mustDo(t, "POST", fmt.Sprintf("/hooks/%d/test", h.ID), e.tokA, "", http.StatusOK))

	reqs := rc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	eventID, _ := got["event_id"].(string)
	if !strings.HasPrefix(eventID, "test_") || r.Header.Get("Webhook-Id") != schema.WebhookID(eventID, h.ID) {
		t.Errorf("webhook-id %q, event_id %q: want test_<id>.%d", r.Header.Get("Webhook-Id"), eventID, h.ID)
	}
	if r.Header.Get("Webhook-Test") != "true" {
		t.Errorf("Webhook-Test = %q, want true", r.Header.Get("Webhook-Test"))
	}
	wh, err := standardwebhooks.NewWebhook(h.Config.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.Body, r.Header); err != nil {
		t.Errorf("the test's signature does not verify with the hook's secret: %v", err)
	}
	if got["outcome"] != "failed" || got["status"] != 502.0 || got["response"] != "bad gateway" || got["error"] != "HTTP 502 Bad Gateway" {
		t.Errorf("answer %v: want failed, 502, its body and error", got)
	}
	if _, ok := got["duration_ms"].(float64); !ok {
		t.Errorf("answer %v has no duration_ms", got)
	}
}

// TestSendTestRefusedByAnOpenBreaker: a failed test opens a breaker that
// opens on one failure; the next test answers "skipped" without a request.
func TestSendTestRefusedByAnOpenBreaker(t *testing.T) {
	e := newEnv(t)
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(int, *http.Request) int { return 500 })
	e.serveTester(t, mustTestDispatcher(t, e, rc))
	h := mustDecode[schema.Hook](t, e.mustDo(t, "POST", "/hooks", e.tokA, hookBodyFor(12345, rc.URL+"/catch"), http.StatusOK))
	path := fmt.Sprintf("/hooks/%d/test", h.ID)

	first := mustDecode[map[string]any](t, e.mustDo(t, "POST", path, e.tokA, "", http.StatusOK))
	second := mustDecode[map[string]any](t, e.mustDo(t, "POST", path, e.tokA, "", http.StatusOK))
	if first["outcome"] != "failed" || first["status"] != 500.0 {
		t.Errorf("first test %v: want failed, 500", first)
	}
	want := map[string]any{"outcome": "skipped", "status": nil, "response": "", "error": dispatcher.ErrBreakerOpen.Error()}
	for k, v := range want {
		if second[k] != v {
			t.Errorf("second test %s = %v, want %v (%v)", k, second[k], v, second)
		}
	}
	if n := rc.Count(); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

// TestSendTestNotFound: another account's, a deleted, an unknown hook and
// a bad id are 404, and send nothing; without a token 401.
func TestSendTestNotFound(t *testing.T) {
	e := newEnv(t)
	tester := &blockingTester{}
	e.serveTester(t, tester)
	hA := e.mustCreateHook(t, e.tokA, 1)
	gone := e.mustCreateHook(t, e.tokA, 1)
	e.mustDo(t, "DELETE", fmt.Sprintf("/hooks/%d", gone.ID), e.tokA, "", http.StatusOK)
	for _, tc := range []struct{ path, tok string }{
		{fmt.Sprintf("/hooks/%d/test", hA.ID), e.tokB},
		{fmt.Sprintf("/hooks/%d/test", gone.ID), e.tokA},
		{"/hooks/999999/test", e.tokA},
		{"/hooks/abc/test", e.tokA},
		{"/hooks/-1/test", e.tokA},
	} {
		e.mustError(t, "POST", tc.path, tc.tok, "", http.StatusNotFound, `{"error":"NotFound"}`)
	}
	e.mustError(t, "POST", fmt.Sprintf("/hooks/%d/test", hA.ID), "", "", http.StatusUnauthorized, `{"error":"Unauthorized"}`)
	if n := tester.calls(); n != 0 {
		t.Errorf("%d tests sent, want none", n)
	}
}

// TestSendTestOneAtATimePerHook: while a hook's test is under way, another
// test of it answers 429 (and sends nothing); a test of another hook goes
// ahead; once the first answered, the hook can be tested again.
func TestSendTestOneAtATimePerHook(t *testing.T) {
	e := newEnv(t)
	tester := &blockingTester{release: make(chan struct{})}
	e.serveTester(t, tester)
	h1, h2 := e.mustCreateHook(t, e.tokA, 1), e.mustCreateHook(t, e.tokA, 1)
	path1 := fmt.Sprintf("/hooks/%d/test", h1.ID)

	firstDone := make(chan int, 1)
	go func() {
		status, _ := e.do(t, "POST", path1, e.tokA, "")
		firstDone <- status
	}()
	wait.For(t, 10*time.Second, func() (bool, string) {
		return tester.calls() == 1, fmt.Sprintf("%d tests under way", tester.calls())
	})
	e.mustError(t, "POST", path1, e.tokA, "", http.StatusTooManyRequests, string(bodyTestUnderWay))
	otherDone := make(chan int, 1)
	go func() {
		status, _ := e.do(t, "POST", fmt.Sprintf("/hooks/%d/test", h2.ID), e.tokA, "")
		otherDone <- status
	}()
	wait.For(t, 10*time.Second, func() (bool, string) {
		return tester.calls() == 2, fmt.Sprintf("%d tests under way, want hook %d's too", tester.calls(), h2.ID)
	})
	close(tester.release)
	if first, other := <-firstDone, <-otherDone; first != http.StatusOK || other != http.StatusOK {
		t.Fatalf("tests under way answered %d and %d, want 200", first, other)
	}
	e.mustDo(t, "POST", path1, e.tokA, "", http.StatusOK)
	if n := tester.calls(); n != 3 {
		t.Errorf("%d tests sent, want 3", n)
	}
}

// blockingTester is a Tester that answers delivered, after release is
// closed when it is set.
type blockingTester struct {
	release chan struct{}
	mu      sync.Mutex
	n       int
}

var _ Tester = (*blockingTester)(nil)

func (b *blockingTester) SendTest(ctx context.Context, h schema.Hook) (schema.LoggedAttempt, error) {
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	if b.release != nil {
		select {
		case <-b.release:
		case <-ctx.Done():
			return schema.LoggedAttempt{}, ctx.Err()
		}
	}
	return schema.LoggedAttempt{EventID: "test_x", HookID: h.ID, ClientID: h.ClientID, Attempt: 1, Outcome: schema.LoggedDelivered, Status: 200, Test: true}, nil
}

func (b *blockingTester) calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

package httpapi

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/postload/postload/schema"
)

// bodyTestUnderWay answers a test of a hook whose previous test is still
// under way.
var bodyTestUnderWay = json.RawMessage(`{"error":{"message":"A test of this hook is under way: wait for its answer, then try again."}}`)

// testRoutes is the send-test call, an addition to the Connect API:
//
//   - POST /hooks/{id}/test (no body) sends the hook one sample post-load
//     webhook, signed like a real one and marked as a test (its event_id
//     starts with "test_", and it carries the header Webhook-Test: true),
//     once, without retries, and answers 200 with what came of it whatever
//     the receiver said (testView). A disabled hook can be tested (to check
//     a URL before enabling it again); a deleted, unknown or another
//     account's hook is 404 NotFound. One test per hook runs at a time: a
//     second one while the first is under way answers 429.
//
// The attempt goes through the same SSRF guard, breaker and bulkhead as a
// delivery (see dispatcher.SendTest): it counts towards the breaker, and an
// open breaker refuses it without a request ("outcome":"skipped").
func (s *Server) testRoutes() []route {
	if s.cfg.Tester == nil {
		return nil
	}
	return []route{{pattern: "POST /hooks/{id}/test", handle: s.testHook}}
}

// testView is the answer of POST /hooks/{id}/test. Status is null when no
// response came, Error null when the webhook was delivered (2xx).
type testView struct {
	EventID    string    `json:"event_id"`
	At         time.Time `json:"at"`
	Outcome    string    `json:"outcome"` // delivered, failed or skipped (no request: the breaker or bulkhead refused)
	Status     *int      `json:"status"`
	DurationMS int64     `json:"duration_ms"`
	Response   string    `json:"response"` // the first KiB of the response body
	Error      *string   `json:"error"`
}

func testViewOf(a schema.LoggedAttempt) testView {
	v := testView{EventID: a.EventID, At: a.At, Outcome: a.Outcome, DurationMS: a.DurationMS, Response: a.Response}
	if a.Status != 0 {
		v.Status = &a.Status
	}
	if a.Error != "" {
		v.Error = &a.Error
	}
	return v
}

// testHook: POST /hooks/{id}/test.
func (s *Server) testHook(r *http.Request, client int64) reply {
	id, ok := pathID(r)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	h, ok := s.cfg.Registry.Hook(id)
	if !ok || h.ClientID != client || h.DeletedAt != nil {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	if !s.testing.start(id) {
		return reply{http.StatusTooManyRequests, bodyTestUnderWay}
	}
	defer s.testing.end(id)
	a, err := s.cfg.Tester.SendTest(r.Context(), h)
	if err != nil {
		return s.failed(r, client, "test webhook", err)
	}
	return reply{http.StatusOK, testViewOf(a)}
}

// testsUnderWay is the set of hooks whose test is under way: at most one
// per hook, so at most the registry's hooks.
type testsUnderWay struct {
	mu  sync.Mutex
	ids map[int64]struct{}
}

// start reports whether no test of hook id was under way, and marks one.
func (t *testsUnderWay) start(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, busy := t.ids[id]; busy {
		return false
	}
	if t.ids == nil {
		t.ids = map[int64]struct{}{}
	}
	t.ids[id] = struct{}{}
	return true
}

func (t *testsUnderWay) end(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.ids, id)
}

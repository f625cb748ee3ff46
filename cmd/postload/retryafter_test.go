package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
)

// A receiver that answers 503 with a Retry-After longer than the first
// tier's delay gets the next attempt no earlier than it asked, by its own
// clock (the delivery goes to the tier whose delay covers the wait).
func TestRetryAfterLongerThanTheTierIsHonoured(t *testing.T) {
	const asked = 2 * time.Second
	rc := webhooktest.NewReceiver(t)
	rc.Respond(func(w http.ResponseWriter, r *http.Request) {
		if rc.Count() == 1 {
			w.Header().Set("Retry-After", fmt.Sprint(int(asked.Seconds())))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	cfg := testConfig(t)
	cfg.RetryDelays = []time.Duration{200 * time.Millisecond, 3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}
	in, _, _ := startWithHook(t, cfg, rc)
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e1", 1, 2, prettyPayload))

	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 2, fmt.Sprintf("%d requests", rc.Count()) })
	reqs := rc.Requests()
	if gap := reqs[1].At.Sub(reqs[0].At); gap < asked {
		t.Errorf("the second attempt came %v after the 503 asking for %v", gap, asked)
	}
	waitCommitted(t, in, "postload.retry", "postload.retry.2")
	if n := rc.Count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if dls := deadLetters(t, in); len(dls) != 0 {
		t.Errorf("%d dead letters for a delivery that succeeded", len(dls))
	}
}

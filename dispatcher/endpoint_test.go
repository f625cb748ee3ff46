package dispatcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/internal/wait"
)

func TestBulkheadWaitsForABusyEndpointButNotForAStuckOne(t *testing.T) {
	cfg := EndpointConfig{MinRequests: 1000, MaxConcurrent: 2, SlotWait: 200 * time.Millisecond}
	ep := testEndpoint(cfg)
	ctx := context.Background()

	// Busy but healthy: a slot frees within the wait, the third attempt gets it.
	d1, err1 := ep.acquire(ctx, 1)
	d2, err2 := ep.acquire(ctx, 1)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	type got struct {
		done func(bool, bool)
		err  error
	}
	third := make(chan got, 1)
	go func() { d, err := ep.acquire(ctx, 1); third <- got{d, err} }()
	d1(true, true) // a request finishes: the waiting attempt gets its slot
	g := <-third
	d3, err := g.done, g.err
	if err != nil {
		t.Fatalf("waiting for a busy endpoint: %v", err)
	}

	// Stuck: both slots held and nothing finishes: the next attempt gives up
	// after SlotWait, and the one after it at once.
	start := time.Now()
	if _, err := ep.acquire(ctx, 1); !errors.Is(err, ErrEndpointBusy) {
		t.Fatalf("stuck endpoint: %v, want ErrEndpointBusy", err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("gave up after %v, before the endpoint could be called stuck", waited)
	}
	start = time.Now()
	if _, err := ep.acquire(ctx, 1); !errors.Is(err, ErrEndpointBusy) {
		t.Fatalf("still stuck: %v, want ErrEndpointBusy", err)
	}
	if waited := time.Since(start); waited > 50*time.Millisecond {
		t.Fatalf("waited %v on an endpoint already known to be stuck", waited)
	}

	// A finished request ends the stuck state.
	d2(true, true)
	d4, err := ep.acquire(ctx, 1)
	if err != nil {
		t.Fatalf("after progress: %v", err)
	}
	d3(true, true)
	d4(true, true)
}

// A process that was stopped (a long pause, a frozen VM) finds the last
// progress of its endpoints long past. That is no evidence against them: an
// attempt watches the endpoint for SlotWait before calling it stuck.
func TestBulkheadDoesNotBlameAnEndpointForTimeThisProcessDidNotWatch(t *testing.T) {
	cfg := EndpointConfig{MinRequests: 1000, MaxConcurrent: 1, SlotWait: 200 * time.Millisecond}
	ep := testEndpoint(cfg)
	ctx := context.Background()
	done, err := ep.acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The process was stopped for a second with the request in flight.
	ep.progress.Store(time.Now().Add(-time.Second).UnixNano())

	start := time.Now()
	if _, err := ep.acquire(ctx, 1); !errors.Is(err, ErrEndpointBusy) {
		t.Fatalf("full endpoint making no progress: %v, want ErrEndpointBusy", err)
	}
	if waited := time.Since(start); waited < cfg.SlotWait {
		t.Fatalf("called stuck after %v: the time the process was stopped counted as watched", waited)
	}
	// Now it was watched: stuck, and the next attempt is deferred at once,
	// until the request finishes.
	start = time.Now()
	if _, err := ep.acquire(ctx, 1); !errors.Is(err, ErrEndpointBusy) || time.Since(start) >= cfg.SlotWait {
		t.Fatalf("known stuck: %v after %v, want ErrEndpointBusy at once", err, time.Since(start))
	}
	done(true, true)
	if _, err := ep.acquire(ctx, 1); err != nil {
		t.Fatalf("after the request finished: %v", err)
	}
}

func TestBreakerOpensOnFailureRatioAndSendsNothingWhileOpen(t *testing.T) {
	cfg := EndpointConfig{MinRequests: 4, FailureRatio: 0.5, OpenTimeout: time.Hour}
	ep := testEndpoint(cfg)
	for i := 0; i < 4; i++ {
		done, err := ep.acquire(context.Background(), 1)
		if err != nil {
			t.Fatalf("attempt %d refused before the breaker could open: %v", i+1, err)
		}
		done(i%2 == 0, true) // 2 of 4 fail
	}
	if _, err := ep.acquire(context.Background(), 1); !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("after 50%% failures of 4: %v, want ErrBreakerOpen", err)
	}
}

func TestOneFailingDeliveryOnAQuietHookKeepsTheBreakerClosed(t *testing.T) {
	cfg := EndpointConfig{}
	ep := testEndpoint(cfg)
	for i := 0; i < 6; i++ { // the 6 attempts of one delivery, all failing
		done, err := ep.acquire(context.Background(), 1)
		if err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
		done(false, true)
	}
}

func TestIdleEndpointsAreForgotten(t *testing.T) {
	cfg := EndpointConfig{}
	cfg = cfg.withDefaults()
	e := newEndpoints(cfg, zap.NewNop())
	old := e.get("https://old.example.com/", 1)
	old.used.Store(time.Now().Add(-2 * idleAfter).UnixNano())
	busy := e.get("https://busy.example.com/", 2)
	busy.used.Store(time.Now().Add(-2 * idleAfter).UnixNano())
	done, err := busy.acquire(context.Background(), 1) // in flight: kept
	if err != nil {
		t.Fatal(err)
	}
	defer done(true, true)
	e.swept = time.Time{}
	e.get("https://new.example.com/", 3) // sweeps
	if _, ok := e.m["https://old.example.com/"]; ok {
		t.Error("an idle endpoint was kept")
	}
	if _, ok := e.m["https://busy.example.com/"]; !ok {
		t.Error("an endpoint with a request in flight was forgotten")
	}
}

// A black hole fills its slots, so most attempts are deferred without a
// request (not counted); when its requests time out, the breaker must open
// on those failures alone, however many deferrals came between.
func TestBreakerOpensForABlackHoleWhoseDeferralsOutnumberItsFailures(t *testing.T) {
	cfg := EndpointConfig{MinRequests: 10, FailureRatio: 0.6, MaxConcurrent: 10, SlotWait: time.Millisecond, OpenTimeout: time.Hour}
	ep := testEndpoint(cfg)
	ctx := context.Background()
	var hung []func(bool, bool)
	for range 10 {
		done, err := ep.acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		hung = append(hung, done)
	}
	deferred := 0
	for range 1000 {
		if _, err := ep.acquire(ctx, 1); errors.Is(err, ErrEndpointBusy) {
			deferred++
		}
	}
	if deferred == 0 {
		t.Fatal("no attempt was deferred while every slot was held")
	}
	for _, done := range hung {
		done(false, true) // the attempt timeout
	}
	if _, err := ep.acquire(ctx, 1); !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("after 10 of 10 requests failed (and %d deferrals): %v, want ErrBreakerOpen", deferred, err)
	}
}

// testEndpoint is the guard of one URL under cfg (defaults filled in).
func testEndpoint(cfg EndpointConfig) *endpoint {
	cfg = cfg.withDefaults()
	return newEndpoints(cfg, zap.NewNop()).get("https://example.com/hook", 1)
}

// A half-open breaker whose probe is out refuses like an open one (a tier
// then hands records on without decoding them); without a probe out it
// lets one through.
func TestHalfOpenBreakerRefusesWhileItsProbeIsOut(t *testing.T) {
	ctx := context.Background()
	trip := func(ep *endpoint) {
		done, err := ep.acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		done(false, true) // fails: the breaker opens
	}
	open := testEndpoint(EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour})
	trip(open)
	if !open.refusing() {
		t.Fatal("open breaker not refusing")
	}
	if _, err := open.acquire(ctx, 1); !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("open breaker: %v, want ErrBreakerOpen", err)
	}

	ep := testEndpoint(EndpointConfig{MinRequests: 1, OpenTimeout: 50 * time.Millisecond})
	trip(ep)
	wait.For(t, 5*time.Second, func() (bool, string) { // half-open after the open timeout
		return !ep.refusing(), "breaker still refusing after its open timeout"
	})
	probe, err := ep.acquire(ctx, 1)
	if err != nil {
		t.Fatalf("half-open, no probe out: %v, want the probe", err)
	}
	if !ep.refusing() {
		t.Error("half-open with its probe out: not refusing")
	}
	if _, err := ep.acquire(ctx, 1); !errors.Is(err, ErrBreakerOpen) {
		t.Errorf("second attempt while the probe is out: %v, want ErrBreakerOpen", err)
	}
	if n := len(ep.slots); n != 1 {
		t.Errorf("%d slots taken, want the probe's alone", n)
	}
	probe(true, true) // the probe succeeds: closed
	if ep.refusing() {
		t.Error("closed breaker refusing")
	}
}

// An attempt that waited for a slot while the breaker opened gets the slot
// and is refused: no request, and the slot is free again.
func TestAnAttemptThatWaitedForASlotAsksTheBreakerAgain(t *testing.T) {
	ep := testEndpoint(EndpointConfig{MinRequests: 1, MaxConcurrent: 1, OpenTimeout: time.Hour, SlotWait: time.Minute})
	ctx := context.Background()
	first, err := ep.acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		done, err := ep.acquire(ctx, 1)
		if done != nil {
			done(true, true)
		}
		second <- err
	}()
	wait.For(t, 10*time.Second, func() (bool, string) {
		// The second attempt waits for the slot: nothing in the endpoint
		// shows a waiter, its goroutine's stack does.
		buf := make([]byte, 1<<20)
		for _, g := range bytes.Split(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
			if bytes.Contains(g, []byte("(*endpoint).takeSlot")) && bytes.Contains(g, []byte(t.Name())) {
				return true, ""
			}
		}
		return false, "second attempt not waiting for a slot"
	})
	first(false, true) // fails: the breaker opens, and the slot frees for the waiter
	if err := <-second; !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("the waiting attempt: %v, want ErrBreakerOpen", err)
	}
	if n := len(ep.slots); n != 0 {
		t.Errorf("%d slots taken after the refusal, want 0", n)
	}
}

// A URL's breaker is shared by every hook on it: its state changes are
// logged under the endpoint (no path) with every hook that used it, not
// under the first hook that did.
func TestBreakerStateChangesNameTheEndpointAndEveryHookOnIt(t *testing.T) {
	cfg := EndpointConfig{MinRequests: 1, OpenTimeout: time.Hour}
	cfg = cfg.withDefaults()
	core, logs := observer.New(zap.InfoLevel)
	e := newEndpoints(cfg, zap.New(core))
	const url = "https://hooks.example.com:8443/catch/s3cr3t-token?k=v"
	e.get(url, 9) // the first hook to use it
	e.get(url, 4)
	done, err := e.get(url, 4).acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	done(false, true) // hook 4's attempt fails: open
	lines := logs.FilterMessage("circuit breaker state change").All()
	if len(lines) != 1 {
		t.Fatalf("%d state change lines, want 1", len(lines))
	}
	f := lines[0].ContextMap()
	if f["endpoint"] != "https://hooks.example.com:8443" || fmt.Sprint(f["hook_ids"]) != "[4 9]" || f["to"] != "open" {
		t.Errorf("logged %v; want endpoint https://hooks.example.com:8443, hook_ids [4 9], to open", f)
	}
	if _, ok := f["hook_id"]; ok {
		t.Errorf("logged under one hook_id: %v", f)
	}
	if strings.Contains(fmt.Sprint(f), "s3cr3t") {
		t.Errorf("the URL's path was logged: %v", f)
	}
}

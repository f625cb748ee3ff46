package dispatcher

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
)

// waiting is the number of attempts waiting for a slot of h.
func (h *host) waiting() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, a := range h.accounts {
		for _, q := range a.urls {
			n += len(q.waiters)
		}
	}
	return n
}

func (t hookTable) Hook(id int64) (schema.Hook, bool) {
	for _, hs := range t {
		for _, h := range hs {
			if h.ID == id {
				return h, true
			}
		}
	}
	return schema.Hook{}, false
}

func (t hookTable) SetHookEnabled(_ context.Context, _, id int64, _ bool) (schema.Hook, error) {
	h, _ := t.Hook(id)
	return h, nil
}

// hostDispatcher is a dispatcher with a host cap of hostCap, sending to
// rc, whose hooks are hooks.
func hostDispatcher(t *testing.T, rc *webhooktest.Receiver, hostCap int, http2 bool, hooks Hooks) *Dispatcher {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(rc.Certificate())
	s, err := NewSender(ClientConfig{RootCAs: pool, Egress: loopbackAllowed, ConnsPerHost: hostCap, HTTP1Only: !http2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	d, err := New(Config{RetryTopics: []string{"r1"}, RetryDelays: []time.Duration{time.Minute}, DLQTopic: "dlq",
		Endpoints: EndpointConfig{HostMaxConcurrent: hostCap, SlotWait: time.Minute}}, hooks, &published{}, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// TestHostCapHoldsAcrossManyURLsWithoutConnectionChurn delivers to twenty
// URLs on one HTTP/1.1-only host: never more requests at once than the
// host's cap, and never more connections than that, however many
// deliveries.
func TestHostCapHoldsAcrossManyURLsWithoutConnectionChurn(t *testing.T) {
	const hostCap, urls, events = 8, 20, 50
	rc := webhooktest.NewHTTP1Receiver(t)
	var inFlight, most, served atomic.Int64
	full := make(chan struct{})
	var fullOnce sync.Once
	rc.Respond(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if n == hostCap {
			fullOnce.Do(func() { close(full) })
		}
		if served.Add(1) <= hostCap {
			// The first requests wait until the cap is reached, so the
			// test sees it reached, not merely never passed.
			select {
			case <-full:
			case <-time.After(10 * time.Second):
			}
		}
		w.WriteHeader(http.StatusOK)
	})
	var hs []schema.Hook
	for i := range urls {
		hs = append(hs, schema.Hook{ID: int64(i + 1), ClientID: 1, DestinationID: 1,
			Config: schema.HookConfig{URL: fmt.Sprintf("%s/catch/%d", rc.URL, i)}})
	}
	d := hostDispatcher(t, rc, hostCap, false, hookTable{{1, 1}: hs})
	var wg sync.WaitGroup
	for i := range events {
		wg.Go(func() {
			ev := schema.SampleLoadEvent(fmt.Sprintf("ev-%d", i), 1, 1, false, time.Now())
			if err := d.HandleEvent(t.Context(), Source{Topic: "load-completed"}, ev); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := rc.Count(); got != urls*events {
		t.Fatalf("receiver got %d requests, want %d", got, urls*events)
	}
	if got := most.Load(); got != hostCap {
		t.Errorf("at most %d requests at once reached the host, want the cap, %d", got, hostCap)
	}
	if got := rc.Conns(); got > hostCap {
		t.Errorf("%d connections opened for %d deliveries to one HTTP/1.1 host, want at most the cap, %d", got, urls*events, hostCap)
	}
}

// TestOneAccountsBurstLeavesAnotherAccountsHookItsTurn fills a shared
// host with one account's burst; the delivery of another account, which
// came later, is served in the next turn, not after the burst.
func TestOneAccountsBurstLeavesAnotherAccountsHookItsTurn(t *testing.T) {
	const hostCap = 2
	rc := webhooktest.NewHTTP1Receiver(t)
	hold := make(chan struct{})
	var arrivals sync.Mutex
	var order []string
	rc.Respond(func(w http.ResponseWriter, r *http.Request) {
		arrivals.Lock()
		order = append(order, r.URL.Path)
		arrivals.Unlock()
		if r.URL.Path == "/burst" {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	})
	seen := func() []string {
		arrivals.Lock()
		defer arrivals.Unlock()
		return append([]string(nil), order...)
	}
	burst := schema.Hook{ID: 1, ClientID: 1, DestinationID: 1, Config: schema.HookConfig{URL: rc.URL + "/burst"}}
	other := schema.Hook{ID: 2, ClientID: 2, DestinationID: 1, Config: schema.HookConfig{URL: rc.URL + "/other"}}
	d := hostDispatcher(t, rc, hostCap, false, hookTable{{1, 1}: {burst}, {2, 1}: {other}})
	h := d.endpoints.get(burst.Config.URL, burst.ID).host

	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	handle := func(client int64, i int) {
		wg.Go(func() {
			ev := schema.SampleLoadEvent(fmt.Sprintf("ev-%d-%d", client, i), client, 1, false, time.Now())
			_ = d.HandleEvent(ctx, Source{Topic: "load-completed"}, ev)
		})
	}
	const burstSize = 30 // within the URL's bulkhead: all wait at the host
	for i := range burstSize {
		handle(1, i)
	}
	wait.For(t, 10*time.Second, func() (bool, string) {
		return len(seen()) == hostCap && h.waiting() == burstSize-hostCap,
			fmt.Sprintf("the burst fills the host: %d arrived, %d waiting", len(seen()), h.waiting())
	})
	handle(2, 0)
	wait.For(t, 10*time.Second, func() (bool, string) {
		return h.waiting() == burstSize-hostCap+1, fmt.Sprintf("the other account's delivery waits: %d waiting", h.waiting())
	})

	// Free the host one request at a time: each freed slot lets one
	// request in. The other account's must be among the first two.
	for n := hostCap; ; n++ {
		hold <- struct{}{}
		wait.For(t, 10*time.Second, func() (bool, string) {
			return len(seen()) > n, fmt.Sprintf("the freed slot is used: %d arrived, want %d", len(seen()), n+1)
		})
		if i := slices.Index(seen(), "/other"); i >= 0 {
			if i > hostCap+1 {
				t.Errorf("the other account's delivery came %d requests after the burst filled the host, want within 2", i-hostCap+1)
			}
			break
		}
		if n > hostCap+burstSize {
			t.Fatal("the other account's delivery never came")
		}
	}
	cancel()
}

// TestHostTurnsGoRoundAccountsThenURLs takes a host's slots in turns:
// accounts first, then the URLs of an account.
func TestHostTurnsGoRoundAccountsThenURLs(t *testing.T) {
	h := newHost(1, time.Hour)
	if err := h.acquire(t.Context(), 0, "x"); err != nil {
		t.Fatal(err)
	}
	granted := make(chan string, 16)
	var wg sync.WaitGroup
	defer wg.Wait()
	enqueue := func(account int64, url string) {
		n := h.waiting()
		wg.Go(func() {
			if err := h.acquire(t.Context(), account, url); err != nil {
				t.Error(err)
				return
			}
			granted <- fmt.Sprintf("%d%s", account, url)
		})
		wait.For(t, 5*time.Second, func() (bool, string) { return h.waiting() == n+1, fmt.Sprintf("%d waiting, want %d", h.waiting(), n+1) })
	}
	// Account 1 queues three on a, one on b; account 2 one on c, later.
	for _, w := range []struct {
		account int64
		url     string
	}{{1, "a"}, {1, "a"}, {1, "a"}, {1, "b"}, {2, "c"}} {
		enqueue(w.account, w.url)
	}
	var got []string
	for range 5 {
		h.release()
		got = append(got, <-granted)
	}
	h.release()
	want := []string{"1a", "2c", "1b", "1a", "1a"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("turns %v, want %v", got, want)
	}
	if h.busy() {
		t.Error("host busy after every slot was freed")
	}
}

// TestAHostThatFinishesNothingDefersItsWaiters: with every slot held and
// none freed for SlotWait, a waiting attempt gives up without a request.
func TestAHostThatFinishesNothingDefersItsWaiters(t *testing.T) {
	h := newHost(1, 20*time.Millisecond)
	if err := h.acquire(t.Context(), 1, "a"); err != nil {
		t.Fatal(err)
	}
	if err := h.acquire(t.Context(), 2, "b"); err != ErrEndpointBusy {
		t.Fatalf("acquire on a stuck host: %v, want ErrEndpointBusy", err)
	}
	if h.waiting() != 0 {
		t.Error("the deferred attempt still waits")
	}
	h.release()
	if err := h.acquire(t.Context(), 2, "b"); err != nil {
		t.Fatalf("acquire once freed: %v", err)
	}
}

// TestHTTP2UnlessHTTP1Only: a receiver that offers HTTP/2 gets it, unless
// HTTP1Only.
func TestHTTP2UnlessHTTP1Only(t *testing.T) {
	for _, on := range []bool{false, true} {
		rc := webhooktest.NewReceiver(t)
		proto := make(chan int, 1)
		rc.Respond(func(w http.ResponseWriter, r *http.Request) { proto <- r.ProtoMajor })
		pool := mustSender(t, 5*time.Second, rc).cfg.RootCAs
		s, err := NewSender(ClientConfig{RootCAs: pool, Egress: loopbackAllowed, HTTP1Only: !on})
		if err != nil {
			t.Fatal(err)
		}
		out := s.Send(t.Context(), Request{URL: rc.URL, WebhookID: "e.1", Body: []byte(`{}`), Number: 1})
		s.Close()
		if out.Result != Delivered {
			t.Fatalf("HTTP2 %v: %v %s", on, out.Result, out.Attempt.Error)
		}
		want := map[bool]int{false: 1, true: 2}[on]
		if got := <-proto; got != want {
			t.Errorf("HTTP2 %v: the receiver got HTTP/%d, want HTTP/%d", on, got, want)
		}
	}
}

func TestHostKey(t *testing.T) {
	for in, want := range map[string]string{
		"https://Hooks.Example.com/a?b":  "https://hooks.example.com:443",
		"https://hooks.example.com:8443": "https://hooks.example.com:8443",
		"https://[::1]/x":                "https://[::1]:443",
		"not a url":                      "",
	} {
		if got := HostKey(in); got != want {
			t.Errorf("HostKey(%q) = %q, want %q", in, got, want)
		}
	}
}

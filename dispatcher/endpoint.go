package dispatcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"go.uber.org/zap"
)

// EndpointConfig configures the per-endpoint protection: one circuit
// breaker and one concurrency cap (bulkhead) per hook URL, shared by first
// attempts and every retry tier of the process. The zero value of each
// field stands for its default.
type EndpointConfig struct {
	// MinRequests is how many attempts the rolling window must hold before
	// the breaker may open. Default DefaultMinRequests (10).
	MinRequests int
	// FailureRatio opens the breaker when at least this share of the
	// window's attempts failed: in (0,1]. Default DefaultFailureRatio (0.6).
	FailureRatio float64
	// Window is the rolling window the ratio is taken over. Default
	// DefaultWindow (1m).
	Window time.Duration
	// OpenTimeout is how long an open breaker sends nothing before it lets
	// one probe through (half-open). Default DefaultOpenTimeout (30s).
	OpenTimeout time.Duration
	// MaxConcurrent caps the requests in flight to one endpoint (the
	// bulkhead). Default DefaultMaxConcurrent (32).
	MaxConcurrent int
	// HostMaxConcurrent caps the requests in flight to one host (scheme,
	// host, port), whatever URLs and accounts they are for; attempts over
	// it wait in fair shares between accounts and their URLs (see host).
	// The HTTP client keeps as many connections per host. Default
	// DefaultHostMaxConcurrent (128).
	HostMaxConcurrent int
	// SlotWait tells a saturated endpoint from a busy one. While all of an
	// endpoint's slots are taken, an attempt waits for one; but once an
	// attempt has waited while no request to the endpoint finished (and no
	// slot was taken) for SlotWait, the endpoint is saturated (slow, or a
	// black hole): waiting attempts, and every attempt after them until a
	// request finishes, are deferred without a request: they do not count
	// as attempts nor as failures, and wait a tier's delay. So a slow
	// endpoint never holds more than MaxConcurrent workers and never loses
	// deliveries for being slow. A wait must be watched: an attempt that
	// finds the last progress older than SlotWait watches a SlotWait of its
	// own, and a wait whose timer fires more than half a SlotWait late (the
	// process stopped or starved: a long pause, a frozen VM) is watched
	// once more rather than held against the endpoint. Default
	// DefaultSlotWait (500ms).
	SlotWait time.Duration
}

// Defaults of EndpointConfig.
const (
	DefaultMinRequests   = 10
	DefaultFailureRatio  = 0.6
	DefaultWindow        = time.Minute
	DefaultOpenTimeout   = 30 * time.Second
	DefaultMaxConcurrent = 32
	// DefaultHostMaxConcurrent: see docs/benchmarks.md, "Connections per
	// host", for the sweep it was chosen from.
	DefaultHostMaxConcurrent = 128
	DefaultSlotWait          = 500 * time.Millisecond
)

// withDefaults returns c with every zero field set to its default.
func (c EndpointConfig) withDefaults() EndpointConfig {
	c.MinRequests = cmp.Or(c.MinRequests, DefaultMinRequests)
	c.FailureRatio = cmp.Or(c.FailureRatio, DefaultFailureRatio)
	c.Window = cmp.Or(c.Window, DefaultWindow)
	c.OpenTimeout = cmp.Or(c.OpenTimeout, DefaultOpenTimeout)
	c.MaxConcurrent = cmp.Or(c.MaxConcurrent, DefaultMaxConcurrent)
	c.HostMaxConcurrent = cmp.Or(c.HostMaxConcurrent, DefaultHostMaxConcurrent)
	c.SlotWait = cmp.Or(c.SlotWait, DefaultSlotWait)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c EndpointConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.MinRequests < 0 || c.MinRequests > math.MaxUint32 {
		errs = append(errs, fmt.Errorf("breaker min requests %d: give a count from 1 to %d", c.MinRequests, uint32(math.MaxUint32)))
	}
	if c.FailureRatio < 0 || c.FailureRatio > 1 {
		errs = append(errs, fmt.Errorf("breaker failure ratio %v: want a share in (0,1]", c.FailureRatio))
	}
	if c.Window < 0 || c.OpenTimeout < 0 || c.MaxConcurrent < 0 || c.HostMaxConcurrent < 0 || c.SlotWait < 0 {
		errs = append(errs, errors.New("breaker window, open timeout, endpoint and host concurrency and slot wait must not be negative"))
	}
	return errors.Join(errs...)
}

// Errors of attempts that sent no request.
var (
	ErrBreakerOpen  = errors.New("circuit breaker open: no request sent")
	ErrEndpointBusy = errors.New("endpoint saturated: every request slot taken and none freed in time, no request sent")
)

// errAttemptFailed is what the breaker is told of a failed attempt.
var errAttemptFailed = errors.New("attempt failed")

// errNotCounted marks an attempt the breaker must not count (shutdown).
var errNotCounted = errors.New("not counted")

// endpoint guards one hook URL.
type endpoint struct {
	url      string
	redacted string // Redact(url), for the delivery log
	host     *host  // the URL's host, shared with its other URLs
	breaker  *gobreaker.TwoStepCircuitBreaker[struct{}]
	slots    chan struct{}
	slotWait time.Duration
	// progress is when a slot was last taken or freed (unix nanos).
	progress atomic.Int64
	// stuck: an attempt watched the endpoint make no progress for
	// slotWait; cleared by the next progress.
	stuck atomic.Bool
	// used is when the endpoint was last asked for (unix nanos).
	used atomic.Int64

	// users are the ids of the hooks whose attempts the endpoint guarded
	// (at most maxUsers; crowded: more did), for the breaker's log lines.
	usersMu sync.Mutex
	users   map[int64]struct{}
	crowded bool
}

// maxUsers bounds the hook ids an endpoint remembers.
const maxUsers = 100

// usedBy records that hook hookID's attempt used the endpoint.
func (ep *endpoint) usedBy(hookID int64) {
	ep.usersMu.Lock()
	defer ep.usersMu.Unlock()
	if _, ok := ep.users[hookID]; ok {
		return
	}
	if len(ep.users) == maxUsers {
		ep.crowded = true
		return
	}
	ep.users[hookID] = struct{}{}
}

// userFields are the log fields naming the hooks that used the endpoint.
func (ep *endpoint) userFields() []zap.Field {
	ep.usersMu.Lock()
	defer ep.usersMu.Unlock()
	ids := slices.Sorted(maps.Keys(ep.users))
	if ep.crowded {
		return []zap.Field{zap.Int64s("hook_ids", ids), zap.Bool("more_hooks", true)}
	}
	return []zap.Field{zap.Int64s("hook_ids", ids)}
}

// endpoints holds the guard of every URL seen, created lazily.
type endpoints struct {
	cfg EndpointConfig
	log *zap.Logger

	mu    sync.Mutex
	m     map[string]*endpoint
	hosts map[string]*host // by HostKey
	swept time.Time
}

// idleAfter is how long an endpoint may go unused, with nothing in flight
// and its breaker closed, before its guard is forgotten: the map stays
// bounded by the URLs in use, whatever hooks come and go.
const idleAfter = 10 * time.Minute

func newEndpoints(cfg EndpointConfig, log *zap.Logger) *endpoints {
	return &endpoints{cfg: cfg, log: log, m: make(map[string]*endpoint), hosts: make(map[string]*host)}
}

// get returns the guard of url, made on first use, for an attempt of hook
// hookID. A URL's guard is shared by every hook on it, so its breaker's
// state changes are logged under the endpoint (scheme://host[:port], the
// rest of a URL may carry the receiver's tokens) with the ids of the hooks
// whose attempts it guarded: the endpoint alone does not tell two URLs on
// one host apart, and no one hook id stands for the breaker.
func (e *endpoints) get(url string, hookID int64) *endpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if now.Sub(e.swept) > time.Minute {
		e.sweep(now)
	}
	ep, ok := e.m[url]
	if !ok {
		ep = e.newEndpoint(url)
		key := HostKey(url)
		h, ok := e.hosts[key]
		if !ok {
			h = newHost(e.cfg.HostMaxConcurrent, e.cfg.SlotWait)
			e.hosts[key] = h
		}
		ep.host = h
		e.m[url] = ep
	}
	ep.used.Store(now.UnixNano())
	ep.usedBy(hookID)
	return ep
}

// newEndpoint makes the guard of url.
func (e *endpoints) newEndpoint(url string) *endpoint {
	redacted := Redact(url)
	log := e.log.With(zap.String("endpoint", redacted))
	cfg := e.cfg
	ep := &endpoint{url: url, redacted: redacted, slots: make(chan struct{}, cfg.MaxConcurrent), slotWait: cfg.SlotWait, users: map[int64]struct{}{}}
	ep.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         url,
		MaxRequests:  probes,
		Interval:     cfg.Window,
		BucketPeriod: max(cfg.Window/10, time.Millisecond),
		Timeout:      cfg.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			// Only attempts that finished count: c.Requests also holds
			// the ones in flight and the excluded ones (deferred by the
			// bulkhead, interrupted), which for a black hole outnumber
			// its failures a thousand to one and kept it closed.
			settled := c.TotalSuccesses + c.TotalFailures
			return settled >= uint32(cfg.MinRequests) && float64(c.TotalFailures) >= cfg.FailureRatio*float64(settled)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errNotCounted) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("circuit breaker state change", append(ep.userFields(), zap.Stringer("from", from), zap.Stringer("to", to))...)
		},
	})
	return ep
}

// sweep forgets idle endpoints; e.mu is held.
func (e *endpoints) sweep(now time.Time) {
	e.swept = now
	for url, ep := range e.m {
		idle := now.Sub(time.Unix(0, ep.used.Load())) > idleAfter
		if idle && len(ep.slots) == 0 && ep.breaker.State() == gobreaker.StateClosed {
			delete(e.m, url)
		}
	}
	inUse := make(map[*host]bool, len(e.hosts))
	for _, ep := range e.m {
		inUse[ep.host] = true
	}
	for key, h := range e.hosts {
		if !inUse[h] && !h.busy() {
			delete(e.hosts, key)
		}
	}
}

// Redact shortens a hook URL to scheme://host[:port] for logs and metric
// labels: paths and queries often carry the receiver's tokens.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "invalid-url"
	}
	return u.Scheme + "://" + u.Host
}

// State returns the breaker state of every endpoint seen, by URL.
func (e *endpoints) states() map[string]gobreaker.State {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]gobreaker.State, len(e.m))
	for url, ep := range e.m {
		out[url] = ep.breaker.State()
	}
	return out
}

// inFlight returns the requests in flight per URL.
func (e *endpoints) inFlight() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.m))
	for url, ep := range e.m {
		out[url] = len(ep.slots)
	}
	return out
}

// acquire takes a slot of the endpoint, waiting while the endpoint makes
// progress (see EndpointConfig.SlotWait), then one of its host, in the
// turn of account (see host), then asks the breaker: an attempt that
// waited for a slot must not send a request that a breaker opened
// meanwhile. A breaker that refuses already is asked first, so its
// attempts never wait. The returned done must be called with the attempt's
// outcome. An error means no request may be sent: ErrBreakerOpen,
// ErrEndpointBusy, or ctx's.
func (ep *endpoint) acquire(ctx context.Context, account int64) (done func(delivered, counted bool), err error) {
	if ep.refusing() {
		return nil, ErrBreakerOpen
	}
	// A full endpoint is no evidence that it fails (a healthy one may be
	// slower than SlotWait): the breaker learns from the requests in
	// flight, which a dead endpoint fails at the attempt timeout.
	if err := ep.takeSlot(ctx); err != nil {
		return nil, err
	}
	if err := ep.host.acquire(ctx, account, ep.url); err != nil {
		ep.freeSlot()
		return nil, err
	}
	report, err := ep.breaker.Allow()
	if err != nil {
		ep.host.release()
		ep.freeSlot()
		return nil, ErrBreakerOpen
	}
	return func(delivered, counted bool) {
		switch {
		case !counted:
			report(errNotCounted)
		case delivered:
			report(nil)
		default:
			report(errAttemptFailed)
		}
		ep.host.release()
		ep.freeSlot()
	}, nil
}

func (ep *endpoint) freeSlot() {
	<-ep.slots
	ep.progressed()
}

// probes is how many requests a half-open breaker lets through.
const probes = 1

// refusing reports that the breaker refuses attempts now, without a
// request: it is open, or half-open with its probes taken (a black hole
// keeps its probe for an attempt timeout, while the breaker stays
// half-open). Half-open with a probe free is not refusing: a probe is due.
// It is advisory (state and counts are read one after the other): acquire
// asks the breaker itself before any request.
func (ep *endpoint) refusing() bool {
	switch ep.breaker.State() {
	case gobreaker.StateOpen:
		return true
	case gobreaker.StateHalfOpen:
		c := ep.breaker.Counts() // gobreaker counts excluded requests apart
		return c.Requests-min(c.Requests, c.TotalExclusions) >= probes
	}
	return false
}

// progressed records that a slot was taken or freed.
func (ep *endpoint) progressed() {
	ep.progress.Store(time.Now().UnixNano())
	if ep.stuck.Load() {
		ep.stuck.Store(false)
	}
}

// takeSlot waits for a slot until the endpoint is known to be stuck: until
// an attempt has watched it for slotWait without progress.
func (ep *endpoint) takeSlot(ctx context.Context) error {
	voided := false
	for {
		select {
		case ep.slots <- struct{}{}:
			ep.progressed()
			return nil
		default:
		}
		if ep.stuck.Load() {
			return ErrEndpointBusy
		}
		// Watch until slotWait after the last progress; when that is past
		// already, nobody watched that time (this process may have been
		// stopped): watch for slotWait from now.
		seen := ep.progress.Load()
		now := time.Now()
		until := time.Unix(0, seen).Add(ep.slotWait)
		if !until.After(now) {
			until = now.Add(ep.slotWait)
		}
		t := time.NewTimer(until.Sub(now))
		select {
		case ep.slots <- struct{}{}:
			t.Stop()
			ep.progressed()
			return nil
		case <-t.C:
			if ep.progress.Load() != seen {
				continue // progress meanwhile: wait on
			}
			// A timer that fires far too late means this process was not
			// running while it watched: watch once more rather than blame
			// the endpoint.
			if late := time.Since(until); late > ep.slotWait/2 && !voided {
				voided = true
				continue
			}
			ep.stuck.Store(true)
			if ep.progress.Load() != seen {
				// A slot freed between the check and the flag, and its
				// progressed() saw no flag to clear: clear it here.
				ep.stuck.Store(false)
				continue
			}
			return ErrEndpointBusy
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

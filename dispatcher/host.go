package dispatcher

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// host caps the requests in flight to one host (scheme, host, port), the
// unit a receiver's capacity and a connection pool belong to: many hook
// URLs of many accounts may point at one host (a SaaS catch-hook host).
// The HTTP client keeps as many connections to a host as its cap (see
// newHTTPClient), so steady delivery opens none.
//
// When the cap is reached, attempts wait in fair shares: a freed slot goes
// to the accounts waiting in turn, and within an account to its URLs in
// turn, so one account's burst waits behind another's single delivery, not
// the other way round. A host that finishes no request while an attempt
// waits SlotWait is saturated, as an endpoint is (see
// EndpointConfig.SlotWait): the attempt is deferred without a request.
type host struct {
	cap      int
	slotWait time.Duration

	mu       sync.Mutex
	inUse    int
	accounts []*accountQueue // waiting, in turn
	turn     int             // index in accounts of the next to be served
	byID     map[int64]*accountQueue

	// progress is when a slot was last freed (unix nanos).
	progress atomic.Int64
}

// accountQueue is one account's attempts waiting for a host's slot.
type accountQueue struct {
	id   int64
	urls []*urlQueue // waiting, in turn
	turn int
}

// urlQueue is one URL's attempts waiting, first come first served.
type urlQueue struct {
	url     string
	waiters []*hostWaiter
}

// hostWaiter is an attempt waiting for a host slot; granted (under the
// host's lock) once a slot was handed to it, and ch closed.
type hostWaiter struct {
	ch      chan struct{}
	granted bool
}

func newHost(cap int, slotWait time.Duration) *host {
	return &host{cap: cap, slotWait: slotWait, byID: map[int64]*accountQueue{}}
}

// acquire takes a slot of the host for an attempt of account to url: at
// once while the host has one free and nobody waits, else in turn. It
// fails with ErrEndpointBusy when the host finished no request for
// slotWait while it waited, or with ctx's error.
func (h *host) acquire(ctx context.Context, account int64, url string) error {
	h.mu.Lock()
	if h.inUse < h.cap && len(h.accounts) == 0 {
		h.inUse++
		h.mu.Unlock()
		return nil
	}
	w := &hostWaiter{ch: make(chan struct{})}
	h.enqueue(account, url, w)
	h.mu.Unlock()

	voided := false
	seen := h.progress.Load()
	armed := time.Now()
	t := time.NewTimer(h.slotWait)
	defer t.Stop()
	for {
		select {
		case <-w.ch:
			return nil
		case <-ctx.Done():
			if !h.withdraw(account, url, w) {
				h.release() // granted meanwhile: pass the slot on
			}
			return ctx.Err()
		case <-t.C:
			if p := h.progress.Load(); p != seen {
				seen, armed = p, time.Now() // progress meanwhile: wait on
				t.Reset(h.slotWait)
				continue
			}
			// A timer far too late means this process was not running
			// while it watched: watch once more rather than blame the host.
			if !voided && time.Since(armed) > h.slotWait*3/2 {
				voided, armed = true, time.Now()
				t.Reset(h.slotWait)
				continue
			}
			if h.withdraw(account, url, w) {
				return ErrEndpointBusy
			}
			return nil
		}
	}
}

// release frees a slot: it goes to the next waiter in turn, if any.
func (h *host) release() {
	h.progress.Store(time.Now().UnixNano())
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.next(); w != nil {
		w.granted = true
		close(w.ch)
		return
	}
	h.inUse--
}

// busy reports whether a slot is in use or an attempt waits.
func (h *host) busy() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.inUse > 0 || len(h.accounts) > 0
}

// enqueue adds w to the back of url's queue; h.mu is held.
func (h *host) enqueue(account int64, url string, w *hostWaiter) {
	a, ok := h.byID[account]
	if !ok {
		a = &accountQueue{id: account}
		h.byID[account] = a
		h.accounts = append(h.accounts, a)
	}
	for _, q := range a.urls {
		if q.url == url {
			q.waiters = append(q.waiters, w)
			return
		}
	}
	a.urls = append(a.urls, &urlQueue{url: url, waiters: []*hostWaiter{w}})
}

// next removes and returns the waiter whose turn it is, nil if none; h.mu
// is held. Accounts take turns, and within an account its URLs do.
func (h *host) next() *hostWaiter {
	if len(h.accounts) == 0 {
		return nil
	}
	ai := h.turn % len(h.accounts)
	a := h.accounts[ai]
	ui := a.turn % len(a.urls)
	q := a.urls[ui]
	w := q.waiters[0]
	q.waiters[0] = nil
	q.waiters = q.waiters[1:]
	a.turn = ui + 1
	h.turn = ai + 1
	if len(q.waiters) == 0 {
		a.urls = removeAt(a.urls, ui)
		a.turn = ui
	}
	if len(a.urls) == 0 {
		h.accounts = removeAt(h.accounts, ai)
		delete(h.byID, a.id)
		h.turn = ai
	}
	return w
}

// withdraw takes w out of its queue; false when it was granted a slot
// already (the caller then holds it).
func (h *host) withdraw(account int64, url string, w *hostWaiter) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w.granted {
		return false
	}
	a := h.byID[account]
	for ui, q := range a.urls {
		if q.url != url {
			continue
		}
		for i, x := range q.waiters {
			if x == w {
				q.waiters = removeAt(q.waiters, i)
				break
			}
		}
		if len(q.waiters) == 0 {
			a.urls = removeAt(a.urls, ui)
			if a.turn > ui {
				a.turn--
			}
		}
		break
	}
	if len(a.urls) == 0 {
		for ai, x := range h.accounts {
			if x == a {
				h.accounts = removeAt(h.accounts, ai)
				if h.turn > ai {
					h.turn--
				}
				break
			}
		}
		delete(h.byID, account)
	}
	return true
}

func removeAt[T any](s []T, i int) []T {
	var zero T
	copy(s[i:], s[i+1:])
	s[len(s)-1] = zero
	return s[:len(s)-1]
}

// HostKey is the host a hook URL is delivered to: "scheme://host:port",
// lower case, the port defaulted by scheme; "" for a URL that does not
// parse.
func HostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return strings.ToLower(u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port))
}

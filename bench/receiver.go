package bench

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// mode is how a receiver answers.
type mode int

const (
	answerOK  mode = iota // 200 at once
	blackHole             // accept, never answer
	failOnce              // 500 to a webhook-id's first request, 200 after
	slow                  // 200 after a delay
)

// receiver is a TLS 1.3 webhook receiver that measures what reaches it.
type receiver struct {
	srv   *httptest.Server
	mode  mode
	delay time.Duration

	count     atomic.Int64
	conns     atomic.Int64 // connections accepted
	first     atomic.Int64 // unix nanos of the first receipt
	last      atomic.Int64 // unix nanos of the latest receipt
	latencies *samples     // emitted → receipt

	mu       sync.Mutex
	failedAt map[string]time.Time // failOnce: when the first answer was sent
	lateness *samples             // failOnce: receipt of the retry − (first answer + delay)
	// failOnce: the ids of requests that came before their retry was
	// due, and the count of those another request of the same id then
	// followed on time (repeats of the first attempt, not early retries)
	earlyIDs      map[string]bool
	repeatedFirst int64
	tierDelay     time.Duration

	// ids, when set (trackIDs), are the distinct webhook-ids received:
	// count minus their number is the requests that were repeats. Off by
	// default, so the scenarios that measure speed pay no set per request.
	ids *idSet
}

// idSet is the distinct webhook-ids a receiver got, each with the time of
// its first receipt, and when the latest new one arrived.
type idSet struct {
	mu      sync.Mutex
	seen    map[string]time.Time
	lastNew time.Time
}

// trackIDs has rc keep the set of distinct webhook-ids, with room for n;
// call it before anything is sent to rc.
func (rc *receiver) trackIDs(n int) { rc.ids = &idSet{seen: make(map[string]time.Time, n)} }

// firstReceiptsBy is when the last of the events emitted before t first
// reached rc (zero if none did; trackIDs must have been called).
func (rc *receiver) firstReceiptsBy(t time.Time) time.Time {
	rc.ids.mu.Lock()
	defer rc.ids.mu.Unlock()
	var last time.Time
	for id, at := range rc.ids.seen {
		if emitted, ok := emittedAt(id); ok && emitted.Before(t) && at.After(last) {
			last = at
		}
	}
	return last
}

// distinct is the number of distinct webhook-ids received and when the
// latest new one arrived (trackIDs must have been called).
func (rc *receiver) distinct() (int64, time.Time) {
	rc.ids.mu.Lock()
	defer rc.ids.mu.Unlock()
	return int64(len(rc.ids.seen)), rc.ids.lastNew
}

func newReceiver(m mode, capacity int) *receiver { return newReceiverOf(m, capacity, true) }

// newReceiverOf is newReceiver for a receiver that offers HTTP/2 (and
// HTTP/1.1) when http2, HTTP/1.1 only otherwise.
func newReceiverOf(m mode, capacity int, http2 bool) *receiver {
	rc := &receiver{mode: m, latencies: newSamples(capacity), lateness: newSamples(capacity), failedAt: map[string]time.Time{}, earlyIDs: map[string]bool{}}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	rc.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			rc.conns.Add(1)
		}
	}
	rc.srv.EnableHTTP2 = http2
	rc.srv.TLS = &tls.Config{MinVersion: tls.VersionTLS13}
	rc.srv.StartTLS()
	return rc
}

func (rc *receiver) close() {
	rc.srv.CloseClientConnections()
	rc.srv.Close()
}

// reset clears the figures between runs.
func (rc *receiver) reset() {
	rc.count.Store(0)
	rc.first.Store(0)
	rc.last.Store(0)
	rc.latencies.reset()
	rc.lateness.reset()
	if ids := rc.ids; ids != nil {
		ids.mu.Lock()
		clear(ids.seen)
		ids.lastNew = time.Time{}
		ids.mu.Unlock()
	}
	rc.mu.Lock()
	rc.failedAt = map[string]time.Time{}
	rc.earlyIDs = map[string]bool{}
	rc.repeatedFirst = 0
	rc.mu.Unlock()
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	now := time.Now()
	id := r.Header.Get("Webhook-Id")
	switch rc.mode {
	case blackHole:
		<-r.Context().Done()
		return
	case slow:
		time.Sleep(rc.delay)
	case failOnce:
		if !rc.failedOnce(id, now) {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	}
	rc.record(now, id)
	w.WriteHeader(http.StatusOK)
}

// failedOnce reports whether id was answered 500 before, at now; if not,
// it notes that it is now. Otherwise it measures the request's lateness
// against the retry's due time. Times are wall-clock (Round(0) drops the
// monotonic reading): postload's due_at is wall-clock time, so a clock
// stepped between the two attempts moves both alike.
func (rc *receiver) failedOnce(id string, now time.Time) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	at, seen := rc.failedAt[id]
	if !seen {
		rc.failedAt[id] = time.Now().Round(0)
		return false
	}
	if rc.earlyIDs[id] {
		// An earlier request of id came before its retry was due, and
		// this one after: that one was the first attempt again (a record
		// read twice), not a retry.
		delete(rc.earlyIDs, id)
		rc.repeatedFirst++
	}
	if late := now.Round(0).Sub(at.Add(rc.tierDelay)); late < 0 {
		rc.earlyIDs[id] = true
	} else {
		rc.lateness.add(late)
	}
	return true
}

// early is the number of requests that came before their retry was due
// and that no request on time followed, and of those that one did.
func (rc *receiver) early() (early, repeatedFirst int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return int64(len(rc.earlyIDs)), rc.repeatedFirst
}

func (rc *receiver) record(now time.Time, webhookID string) {
	n := now.UnixNano()
	rc.count.Add(1)
	rc.first.CompareAndSwap(0, n)
	for {
		last := rc.last.Load()
		if n <= last || rc.last.CompareAndSwap(last, n) {
			break
		}
	}
	if emitted, ok := emittedAt(webhookID); ok {
		rc.latencies.add(now.Sub(emitted))
	}
	if ids := rc.ids; ids != nil {
		ids.mu.Lock()
		if _, seen := ids.seen[webhookID]; !seen {
			ids.seen[webhookID] = now
			ids.lastNew = now
		}
		ids.mu.Unlock()
	}
}

// eventID encodes the time an event was produced, so receivers can measure
// emitted → receipt: "b<unix nanos>-<seq>".
func eventID(emitted time.Time, seq int) string {
	return "b" + strconv.FormatInt(emitted.UnixNano(), 10) + "-" + strconv.Itoa(seq)
}

func emittedAt(webhookID string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(webhookID, "b")
	if !ok {
		return time.Time{}, false
	}
	nanos, _, ok := strings.Cut(rest, "-")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

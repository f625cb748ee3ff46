package main

import (
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// stormLog is what the storm's receiver answered, by webhook-id.
type stormLog struct {
	mu      sync.Mutex
	tries   map[string]int         // requests per webhook-id
	success map[string][]time.Time // when a 2xx went out
	failed  map[string][]time.Time // when a failure went out
}

func (l *stormLog) record(id string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok {
		l.success[id] = append(l.success[id], time.Now())
	} else {
		l.failed[id] = append(l.failed[id], time.Now())
	}
}

// flaky decides whether the n-th request of id fails: three in four do,
// the same way in every run, so that a sixth of its deliveries end as dead
// letters.
func flaky(id string, n int) bool {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", id, n))
	return sum[0]%4 != 0
}

// Under repeated kill -9 with deliveries in flight and in the tiers, a
// delivery that succeeded does not end as a dead letter, one delivery does
// not end as two, and nothing is lost. What a kill can still cause is
// bounded by the commit interval: a success, or a hand-off, less than
// window before the kill may be attempted again, and if every later
// attempt fails, that is a dead letter; the test allows exactly those.
func TestKillStormNoDeadLetterForADelivery(t *testing.T) {
	const (
		client, dest = 31, 32
		kills        = 4
		window       = 2 * time.Second // the commit interval (100 ms) with room for a loaded machine
	)
	w := newWorld(t, client)
	log := &stormLog{tries: map[string]int{}, success: map[string][]time.Time{}, failed: map[string][]time.Time{}}
	w.rc.Respond(func(rw http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Webhook-Id")
		log.mu.Lock()
		n := log.tries[id]
		log.tries[id]++
		log.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/flaky") && flaky(id, n):
			log.record(id, false)
			rw.WriteHeader(http.StatusInternalServerError)
			return
		case strings.HasSuffix(r.URL.Path, "/slow") && fnv32(id)%4 == 0:
			// Holds its event in flight, and the commit behind it, for 3 s.
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
				return // the process died: not delivered
			}
		}
		log.record(id, true)
		rw.WriteHeader(http.StatusOK)
	})
	flags := []string{"--partitions", "2", "--session-timeout", "6s", "--drain-timeout", "3s",
		"--retry-delays", "300ms,300ms,300ms,300ms,300ms", "--breaker-min-requests", "100000", "--attempt-timeout", "10s"}
	p, in := w.start(t, flags...)
	waitAPI(t, in)
	hooks := map[string]int64{}
	for _, path := range []string{"/ok", "/flaky", "/slow"} {
		hooks[path] = mustHook(t, in, w.tok, dest, w.rc.URL+path).ID
	}

	// A steady stream of events across the kills.
	stopProducing, produced := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		defer func() { produced <- n }()
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for ; n < 1000; n++ {
			select {
			case <-stopProducing:
				return
			case <-tick.C:
			}
			mustProduce(t, in.brokers, "load-completed", fmt.Sprint(n), loadEvent(fmt.Sprintf("storm-%03d", n), client, dest, prettyPayload))
		}
	}()
	requests := func() int {
		log.mu.Lock()
		defer log.mu.Unlock()
		n := 0
		for _, c := range log.tries {
			n += c
		}
		return n
	}
	var killedAt []time.Time
	for k := range kills {
		// Kill each process once it has been delivering for a while (its
		// first requests re-handle what the last one left), at a different
		// point each time, with slow deliveries holding its commits back.
		from, want := requests(), 100+50*k
		wait.For(t, 60*time.Second, func() (bool, string) {
			n := requests() - from
			return n >= want, fmt.Sprintf("%d of %d requests by this process", n, want)
		})
		killedAt = append(killedAt, time.Now())
		kill(t, p)
		p, _ = w.start(t, flags...)
	}
	close(stopProducing)
	events := <-produced
	// Every delivery ends: delivered, or a dead letter.
	var letters []schema.DeadLetter
	wait.For(t, 120*time.Second, func() (bool, string) {
		letters = decodeTopic(t, in, "postload.dlq", schema.DecodeDeadLetter)
		dead := map[string]bool{}
		for _, l := range letters {
			dead[fmt.Sprintf("%s.%d", l.EventID, l.Hook.ID)] = true
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		missing := 0
		for i := range events {
			for _, id := range hooks {
				wid := fmt.Sprintf("storm-%03d.%d", i, id)
				if len(log.success[wid]) == 0 && !dead[wid] {
					missing++
				}
			}
		}
		return missing == 0, fmt.Sprintf("%d deliveries neither delivered nor dead", missing)
	})
	// No delivery is left anywhere: every record of every tier is finished.
	in.cfg.Partitions = 2
	waitCommitted(t, in, "postload", "load-completed")
	for n := 1; n <= 5; n++ {
		waitCommitted(t, in, "postload.retry", fmt.Sprintf("postload.retry.%d", n))
	}
	letters = decodeTopic(t, in, "postload.dlq", schema.DecodeDeadLetter)

	// nearKill: one of ts is within window of a kill, before it (not yet
	// committed) or after it (the answer to a request the dead process
	// sent, which it never read).
	nearKill := func(ts []time.Time) bool {
		for _, at := range ts {
			for _, k := range killedAt {
				if d := at.Sub(k); d >= -window && d <= window {
					return true
				}
			}
		}
		return false
	}
	perPair := map[string]int{}
	for _, l := range letters {
		perPair[fmt.Sprintf("%s.%d", l.EventID, l.Hook.ID)]++
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	var bad []string
	for wid, n := range perPair {
		if ok := log.success[wid]; len(ok) > 0 && !nearKill(ok) {
			bad = append(bad, fmt.Sprintf("%s: delivered (2xx at %v) and %d dead letter(s)", wid, stamps(ok), n))
		}
		if n > 1 && !nearKill(append(append([]time.Time{}, log.failed[wid]...), log.success[wid]...)) {
			bad = append(bad, fmt.Sprintf("%s: %d dead letters", wid, n))
		}
	}
	sort.Strings(bad)
	resent := 0
	for wid, ts := range log.success {
		if strings.HasSuffix(wid, fmt.Sprintf(".%d", hooks["/ok"])) && len(ts) > 1 {
			resent += len(ts) - 1
		}
	}
	t.Logf("kills at %v; %d dead letters for %d deliveries; %d requests to the always-healthy hook were repeats", stamps(killedAt), len(letters), events*len(hooks), resent)
	if len(bad) > 0 {
		t.Fatalf("%d deliveries broke the promise:\n%s", len(bad), strings.Join(bad, "\n"))
	}
}

func fnv32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func stamps(ts []time.Time) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Format("15:04:05.000"))
	}
	return strings.Join(out, " ")
}

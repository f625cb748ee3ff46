package dispatcher

import (
	"context"
	"sync"
	"time"

	"github.com/postload/postload/schema"
)

// Limits of a group record (schema.Group). A delivery that the breaker or
// the bulkhead refused waits up to groupLinger for company headed for the
// same tier, hook and attempt; a group holds at most groupMaxDeliveries,
// and its events at most groupMaxEventBytes together (a larger event has a
// group of its own), which keeps the record within Kafka's default message
// size of 1 MB as MaxEventBytes keeps a single one.
const (
	groupLinger        = 10 * time.Millisecond
	groupMaxDeliveries = 100
	groupMaxEventBytes = 256 << 10
)

// grouper hands refused deliveries on as group records. A dead endpoint
// refuses every delivery at once: one record each made its cost one Kafka
// write per event, and one read and one write per event again on every tier
// it passed through, for postload and the broker alike; grouped, it is that
// per group. Each caller returns once its group's record is on the broker
// (or could not be put there), as it would for a record of its own. The
// first caller of a group writes it, after groupLinger or when the group is
// full; there is no goroutine of its own.
type grouper struct {
	publish func(ctx context.Context, topic string, key, value []byte) error

	mu      sync.Mutex
	forming map[groupKey]*forming
}

type groupKey struct {
	topic   string
	hookID  int64
	attempt int
}

// forming is a group still taking deliveries, then being written.
type forming struct {
	dls        []schema.Delivery
	eventBytes int
	full       chan struct{} // closed when it takes no more
	done       chan struct{} // closed when written; err is then set
	err        error
}

func newGrouper(publish func(ctx context.Context, topic string, key, value []byte) error) *grouper {
	return &grouper{publish: publish, forming: make(map[groupKey]*forming)}
}

// add hands dl on to topic, in a group with the deliveries added meanwhile
// for the same hook and attempt, and returns once that group is written.
// key is the record's key (the client id: one per hook).
func (g *grouper) add(ctx context.Context, topic string, key []byte, dl schema.Delivery) error {
	k := groupKey{topic: topic, hookID: dl.HookID, attempt: dl.Attempt}
	g.mu.Lock()
	f := g.forming[k]
	if f != nil && f.eventBytes+len(dl.Event) > groupMaxEventBytes {
		g.close(k, f)
		f = nil
	}
	first := f == nil
	if first {
		f = &forming{full: make(chan struct{}), done: make(chan struct{})}
		g.forming[k] = f
	}
	f.dls = append(f.dls, dl)
	f.eventBytes += len(dl.Event)
	if len(f.dls) == groupMaxDeliveries {
		g.close(k, f)
	}
	g.mu.Unlock()
	if !first {
		<-f.done // the first caller's write is bounded: linger, then publish
		return f.err
	}
	t := time.NewTimer(groupLinger)
	select {
	case <-f.full:
	case <-t.C:
	case <-ctx.Done():
	}
	t.Stop()
	g.mu.Lock()
	if g.forming[k] == f {
		g.close(k, f)
	}
	g.mu.Unlock()
	f.err = g.write(ctx, topic, key, f.dls)
	close(f.done)
	return f.err
}

// close stops f taking deliveries; g.mu is held.
func (g *grouper) close(k groupKey, f *forming) {
	delete(g.forming, k)
	close(f.full)
}

// write publishes dls as one record: a group, or a single delivery's
// record when it found no company.
func (g *grouper) write(ctx context.Context, topic string, key []byte, dls []schema.Delivery) error {
	var rec any = dls[0]
	if len(dls) > 1 {
		rec = schema.NewGroup(dls)
	}
	b, err := schema.EncodeRecord(rec)
	if err != nil {
		return err
	}
	return g.publish(ctx, topic, key, b)
}

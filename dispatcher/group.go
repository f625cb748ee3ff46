package dispatcher

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/postload/postload/schema"
)

// Limits of a group record (schema.Group). A delivery that the breaker or
// the bulkhead refused waits up to groupLinger for company headed for the
// same tier, hook and attempt; a group holds at most groupMaxDeliveries,
// and at most groupMaxBytes as encodedSize counts them (a larger delivery
// has a record of its own), so that the record stays below the writer's
// limit, RecordBytes (at least 576 KiB), which it checks before
// compressing.
const (
	groupLinger        = 10 * time.Millisecond
	groupMaxDeliveries = 100
	groupMaxBytes      = 512 << 10
)

// grouper hands refused deliveries on as group records. A dead endpoint
// refuses every delivery at once: one record each made its cost one Kafka
// write per event, and one read and one write per event again on every tier
// it passed through, for postload and the broker alike; grouped, it is that
// per group. Each caller returns once its group's record is on the broker,
// or when its own ctx ends first (its event is then handled again: a
// duplicate at worst, as after any interrupted hand-off). The first caller
// of a group writes it, after the linger or when the group is full, under
// its own ctx; a caller whose ctx still lives when that write failed
// writes its delivery alone. There is no goroutine of its own.
type grouper struct {
	publish func(ctx context.Context, topic string, key, value []byte) error
	linger  time.Duration

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
	dls   []schema.Delivery
	bytes int           // encodedSize of dls, summed
	full  chan struct{} // closed when it takes no more
	done  chan struct{} // closed when written; err is then set
	err   error
}

func newGrouper(publish func(ctx context.Context, topic string, key, value []byte) error) *grouper {
	return &grouper{publish: publish, linger: groupLinger, forming: make(map[groupKey]*forming)}
}

// encodedSize bounds the bytes dl takes in a group record: escaping in a
// JSON string at most doubles a valid event's bytes (a quote or a
// backslash becomes two bytes, U+2028 six for three) and at most sextuples
// an error's (a control character becomes six bytes; the sender replaces
// them, but a record written elsewhere may hold some), and an attempt's
// other fields take less than 128.
func encodedSize(dl schema.Delivery) int {
	n := 64 + 2*len(dl.Event) + 6*len(dl.Error)
	for _, a := range dl.Attempts {
		n += 128 + 6*len(a.Error)
	}
	return n
}

// add hands dl on to topic, in a group with the deliveries added meanwhile
// for the same hook and attempt, and returns once that group is written.
// key is the record's key (the client id: one per hook).
func (g *grouper) add(ctx context.Context, topic string, key []byte, dl schema.Delivery) error {
	k := groupKey{topic: topic, hookID: dl.HookID, attempt: dl.Attempt}
	size := encodedSize(dl)
	g.mu.Lock()
	f := g.forming[k]
	if f != nil && f.bytes+size > groupMaxBytes {
		g.close(k, f)
		f = nil
	}
	first := f == nil
	if first {
		f = &forming{full: make(chan struct{}), done: make(chan struct{})}
		g.forming[k] = f
	}
	f.dls = append(f.dls, dl)
	f.bytes += size
	if len(f.dls) == groupMaxDeliveries {
		g.close(k, f)
	}
	g.mu.Unlock()
	if !first {
		select {
		case <-f.done:
			if f.err != nil && ctx.Err() == nil {
				// The first caller's write gave up, its ctx ended (its
				// partition is being drained): this caller's has not.
				return g.write(ctx, topic, key, []schema.Delivery{dl})
			}
			return f.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	t := time.NewTimer(g.linger)
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
		return fmt.Errorf("encoding a group of %d: %w", len(dls), err)
	}
	return g.publish(ctx, topic, key, b)
}

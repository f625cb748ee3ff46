package autodisable

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// Log reads the delivery log; *consumer.Client is one.
type Log interface {
	// Follow calls fn with every record of a partition of topic from its
	// start, then with every record appended, until ctx ends; caughtUp
	// once the records it had at the start were given.
	Follow(ctx context.Context, topic string, partition int, from int64, caughtUp func(),
		fn func(offset int64, at time.Time, key, value []byte) error) error
}

// Follow feeds t every record of the delivery log's partitions 0 to
// partitions-1 of topic (postload.attempts: schema.LoggedAttempt values)
// from their start, calls t.CaughtUp once every partition was read up to
// where it ended when Follow began, and keeps following until ctx ends; it
// returns then, after its goroutines have exited. A record that does not
// decode is logged and skipped.
func (t *Tracker) Follow(ctx context.Context, log Log, topic string, partitions int) error {
	if partitions <= 0 {
		return fmt.Errorf("autodisable: the delivery log %s has %d partitions", topic, partitions)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		behind  = partitions
		errs    = make([]error, partitions)
		partLog = t.cfg.Log.With(zap.String("topic", topic))
	)
	caughtUp := func() {
		mu.Lock()
		defer mu.Unlock()
		if behind--; behind == 0 {
			t.CaughtUp()
		}
	}
	for p := range partitions {
		wg.Go(func() {
			errs[p] = log.Follow(ctx, topic, p, -1, caughtUp, func(offset int64, _ time.Time, _, value []byte) error {
				var a schema.LoggedAttempt
				if err := json.Unmarshal(value, &a); err != nil || a.HookID <= 0 {
					partLog.Warn("skipping a delivery-log record that does not decode", zap.Int("partition", p), zap.Int64("offset", offset), zap.Error(err))
					return nil
				}
				t.Observe(a)
				return nil
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

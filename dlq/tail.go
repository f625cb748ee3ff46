package dlq

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

// errLimit stops Tail once Filter.Limit dead letters were passed on.
var errLimit = errors.New("limit reached")

// Tail calls fn with every dead letter f selects that reaches the DLQ after
// Tail began (from the end every partition had then), until ctx is done
// (then it returns nil), fn returns an error (returned), or Limit dead
// letters were passed on (nil). Each partition is followed by its own
// reader, without a consumer group: nothing is committed. Partitions added
// after Tail began are not followed. fn is never called concurrently;
// Tail returns only after every goroutine it started has exited.
func Tail(ctx context.Context, cfg Config, f Filter, fn func(Entry) error) error {
	return tail(ctx, cfg, f, fn, nil)
}

// tail is Tail; started, if set, is called once the end offsets are known.
func tail(ctx context.Context, cfg Config, f Filter, fn func(Entry) error, started func()) error {
	cfg, err := cfg.prepare()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		return err
	}
	spans, err := tailSpans(ctx, cfg)
	if err != nil {
		return err
	}
	if started != nil {
		started()
	}
	var mu sync.Mutex
	n := 0
	deliver := func(e Entry) error {
		mu.Lock()
		defer mu.Unlock()
		if !f.Match(e.DeadLetter) {
			return nil
		}
		if err := fn(e); err != nil {
			return err
		}
		if n++; f.Limit > 0 && n >= f.Limit {
			return errLimit
		}
		return nil
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range spans {
		g.Go(func() error { return follow(gctx, cfg, s, deliver) })
	}
	err = g.Wait()
	if errors.Is(err, errLimit) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// tailSpans returns the partitions of the DLQ with their end as of now.
func tailSpans(ctx context.Context, cfg Config) ([]span, error) {
	return snapshot(ctx, cfg, cfg.DLQTopic)
}

// follow passes on every record of the partition from s.end on, until ctx
// is done or deliver fails. Kafka's failures are retried (and logged) by
// Config.Kafka.
func follow(ctx context.Context, cfg Config, s span, deliver func(Entry) error) error {
	log := cfg.Log.With(zap.String("topic", cfg.DLQTopic), zap.Int("partition", s.partition))
	err := cfg.Kafka.Follow(ctx, cfg.DLQTopic, s.partition, s.end, nil, func(offset int64, at time.Time, key, value []byte) error {
		e, ok := decodeOrLog(record{partition: s.partition, offset: offset, time: at, key: key, value: value}, log)
		if !ok {
			return nil
		}
		return deliver(e)
	})
	if err == nil {
		return ctx.Err()
	}
	return err
}

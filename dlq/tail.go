package dlq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
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
	cl, done := newClient(cfg)
	defer done()
	return snapshot(ctx, cl, cfg.DLQTopic)
}

// follow passes on every record of the partition from s.end on, until ctx
// is done or deliver fails.
func follow(ctx context.Context, cfg Config, s span, deliver func(Entry) error) error {
	log := cfg.Log.With(zap.String("topic", cfg.DLQTopic), zap.Int("partition", s.partition))
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:         cfg.Brokers,
		Topic:           cfg.DLQTopic,
		Partition:       s.partition,
		MinBytes:        1,
		MaxBytes:        fetchMaxBytes,
		MaxWait:         time.Second,
		QueueCapacity:   16,
		ReadLagInterval: -1,
		Dialer:          &kafka.Dialer{Timeout: cfg.Timeout},
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			log.Warn("kafka reader: " + fmt.Sprintf(msg, args...))
		}),
	})
	defer r.Close()
	if err := r.SetOffset(s.end); err != nil {
		return fmt.Errorf("following %s/%d: %w", cfg.DLQTopic, s.partition, err)
	}
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return fmt.Errorf("following %s/%d: %w", cfg.DLQTopic, s.partition, err)
		}
		rec := record{partition: m.Partition, offset: m.Offset, time: m.Time, key: m.Key, value: m.Value}
		e, ok := decodeOrLog(rec, log)
		if !ok {
			continue
		}
		if err := deliver(e); err != nil {
			return err
		}
	}
}

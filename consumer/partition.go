package consumer

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/postload/postload/internal/clock"
)

// partition is the worker of one assigned partition for one generation, as
// franz-go's pconsumer: run reads what an earlier owner committed, then
// makes passes (pass.go) from the committed offset, each of which fetches
// (fetch.go), hands messages to the group's workers, finishes them in any
// order and commits (commit.go) until the generation ends or a handler
// fails. Its fields are the run goroutine's.
type partition struct {
	g         *Group // configuration, handler, group-wide bound, workers, stats
	tp        TopicPartition
	start     int64 // where the next pass fetches from
	store     offsetStore
	newReader func() reader
	logStarts logStarter // for the records deleted unread (gaps)
	clock     clock.Clock
	prog      *progress // what is finished beyond the commit; read at start
	log       *zap.Logger
}

func (g *Group) newPartition(gen *kafka.Generation, topic string, a kafka.PartitionAssignment) *partition {
	log := g.cfg.Log.With(zap.String("topic", topic), zap.Int("partition", a.ID))
	return &partition{
		g:         g,
		tp:        TopicPartition{topic, a.ID},
		start:     a.Offset,
		store:     generationOffsets{client: g.client, gen: gen},
		newReader: func() reader { return g.newReader(topic, a.ID, log) },
		logStarts: g.offsets,
		clock:     g.clock,
		log:       log,
	}
}

// Backoff of a partition after a handler failed: the first pause, doubled
// after each failure up to the last.
const (
	failureBackoff    = time.Second
	maxFailureBackoff = 30 * time.Second
)

// run processes the partition until ctx (the generation) ends, then drains
// and commits. When a handler fails, the partition drains and commits what
// is finished, waits (1 s, doubling up to 30 s), and fetches again from the
// failed message, without disturbing the group's other partitions.
func (p *partition) run(ctx context.Context) {
	p.prog = p.readProgress(ctx)
	backoff := failureBackoff
	for {
		next, failed := p.consume(ctx)
		if !failed || ctx.Err() != nil {
			return
		}
		p.log.Warn("a handler failed: fetching again from its message", zap.Int64("offset", next), zap.Duration("after", backoff))
		if !p.pause(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxFailureBackoff)
		p.start = next
	}
}

// readProgress reads the committed offset's metadata: what the previous
// owner finished beyond it. Any failure reads as no progress, which only
// means handling again what may have been handled.
func (p *partition) readProgress(ctx context.Context) *progress {
	var off int64
	var meta string
	var err error
	for try := range 3 {
		if try > 0 && !p.pause(ctx, time.Second) {
			break
		}
		fctx, cancel := context.WithTimeout(ctx, commitTimeout)
		off, meta, err = p.store.committed(fctx, p.tp)
		cancel()
		if err == nil {
			break
		}
	}
	if err != nil {
		p.log.Warn("reading the committed progress; handling again what follows the commit", zap.Error(err))
		return newProgress(priorProgress{})
	}
	if off != p.start {
		return newProgress(priorProgress{})
	}
	prior := decodeProgress(meta, off)
	if n := len(prior.done) + len(prior.items); n > 0 {
		p.log.Info("resuming after the committed offset with the progress committed beside it",
			zap.Int64("offset", p.start), zap.Int("finished", len(prior.done)), zap.Int("partly_finished", len(prior.items)))
	}
	return newProgress(prior)
}

// pause waits d by the partition's clock, or less if ctx ends first
// (false).
func (p *partition) pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-p.clock.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

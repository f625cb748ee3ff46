package consumer

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// gaps finds the records a partition's reader skips because the broker
// deleted them (retention, DeleteRecords) before this group read them.
// kafka-go's Reader does not report that: asked for an offset below the
// log start it silently starts at the log start, and when its next offset
// is deleted while it reads it jumps to the log start. Either way the
// offsets it hands over jump; a jump whose start lies below the log start
// is a loss. Other jumps (transaction markers, compaction) lie above it and
// are not reported. Used by the fetch loop only, so not locked.
type gaps struct {
	p    *partition
	next int64 // offset expected next; -1 unknown
}

// logStarter tells where a partition's log starts; *Client is one.
type logStarter interface {
	LogStart(ctx context.Context, topic string, partition int) (int64, error)
}

func (p *partition) newGaps() *gaps { return &gaps{p: p, next: -1} }

// start checks the start offset against the log start, before the first
// fetch. A partition without a committed offset starts at the log start: a
// log start above 0 then is reported, but not counted as lost, since the
// group may be new to records that were never meant for it.
func (g *gaps) start(ctx context.Context, from int64) {
	logStart, err := g.logStart(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.p.log.Warn("cannot tell whether records were deleted before they were read", zap.Int64("from", from), zap.Error(err))
		}
		g.next = from
		return
	}
	if from < 0 {
		if logStart > 0 {
			g.p.log.Warn("no committed offset: starting at the log start; the records before it were deleted by the broker before this group committed any",
				zap.Int64("log_start", logStart))
		}
		g.next = logStart
		return
	}
	g.next = from
	g.check(logStart, -1)
}

// fetched checks the offset handed over by the reader against the one
// expected.
func (g *gaps) fetched(ctx context.Context, offset int64) {
	if g.next >= 0 && offset > g.next {
		if logStart, err := g.logStart(ctx); err != nil {
			if ctx.Err() == nil {
				g.p.log.Warn("cannot tell whether the records skipped were deleted before they were read",
					zap.Int64("from", g.next), zap.Int64("to", offset-1), zap.Error(err))
			}
		} else {
			g.check(logStart, offset)
		}
	}
	g.next = offset + 1
}

// check reports the records from g.next below logStart (and below until,
// the offset handed over, if not -1) as lost, and moves g.next past them.
func (g *gaps) check(logStart, until int64) {
	if g.next >= logStart {
		return
	}
	end := logStart
	if until >= 0 {
		end = min(end, until)
	}
	n := end - g.next
	g.p.log.Error("records were deleted by the broker (retention or DeleteRecords) before this group read them: they were never handled",
		zap.String("group", g.p.g.cfg.GroupID), zap.Int64("count", n), zap.Int64("from", g.next), zap.Int64("to", end-1), zap.Int64("log_start", logStart))
	g.p.g.stats.lost(g.p.tp.Topic, n)
	g.next = end
}

func (g *gaps) logStart(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return g.p.logStarts.LogStart(ctx, g.p.tp.Topic, g.p.tp.Partition)
}

package consumer

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// pass is one consumption of a partition from its start offset until the
// generation ends or a handler fails: fetch (a goroutine of its own, which
// hands messages over on a channel), hand to the group's workers, finish
// as results come back, commit every CommitInterval, then drain and make
// the last commit. Its state is the partition's run goroutine's alone.
type pass struct {
	p              *partition
	wm             *watermark
	local          *slots      // the partition's in-flight bound
	results        chan result // from the workers; never full (local)
	fetchedAt      map[int64]time.Time
	first          int64 // the first offset fetched; -1: none yet
	committed      int64 // the last offset committed, and its metadata
	committedMeta  string
	inflight       int
	failed         bool
	tick           <-chan time.Time // the next commit
	hctx           context.Context  // the handlers': outlives the generation by DrainTimeout
	cancelHandlers context.CancelFunc
	stopFetch      context.CancelFunc
}

type result struct {
	offset int64
	err    error
}

// consume makes one pass from p.start. It returns the offset to fetch from
// next (the first unfinished one) and whether a handler failed.
func (p *partition) consume(ctx context.Context) (next int64, failed bool) {
	r := p.newReader()
	defer r.Close()
	if err := r.SetOffset(p.start); err != nil {
		p.log.Error("setting start offset", zap.Int64("offset", p.start), zap.Error(err))
		return p.start, true
	}
	s := p.newPass(ctx)
	defer s.cancelHandlers()
	var fetchCtx context.Context
	fetchCtx, s.stopFetch = context.WithCancel(ctx)
	defer s.stopFetch()
	fetched, fetchDone := make(chan Message), make(chan struct{})
	go func() {
		defer close(fetchDone)
		p.fetch(fetchCtx, r, s.local, fetched)
	}()
	if p.start >= 0 {
		p.g.stats.started(p.tp, p.start)
	}
	defer p.g.stats.released(p.tp)

	s.loop(fetched, fetchDone)
	cancelled := s.drain()
	// Every handler has returned, and, unless one was cancelled (it may
	// have left a write behind that lands after it returned), what they did
	// is recorded: the next owner need not look for traces of it.
	s.flush(!cancelled)
	return s.next(), s.failed
}

func (p *partition) newPass(ctx context.Context) *pass {
	s := &pass{
		p:         p,
		wm:        newWatermark(),
		local:     newSlots(p.g.cfg.MaxInFlightPerPartition),
		results:   make(chan result, p.g.cfg.MaxInFlightPerPartition),
		fetchedAt: map[int64]time.Time{},
		first:     -1,
		committed: p.start,
		tick:      p.clock.After(p.g.cfg.CommitInterval),
	}
	// Handlers outlive ctx by up to DrainTimeout: a rebalance or shutdown
	// lets in-flight deliveries finish.
	s.hctx, s.cancelHandlers = context.WithCancel(context.WithoutCancel(ctx))
	return s
}

// loop takes fetched messages and results until the fetching stops: the
// generation ended, or a handler failed (finish stops it).
func (s *pass) loop(fetched <-chan Message, fetchDone <-chan struct{}) {
	for {
		select {
		case m := <-fetched:
			s.accept(m)
		case res := <-s.results:
			s.finish(res)
		case <-s.tick:
			s.flushAndRearm()
		case <-fetchDone:
			return
		}
	}
}

// drain lets in-flight handlers finish, cancels them at the drain deadline,
// and commits as they finish. It reports whether it cancelled them.
func (s *pass) drain() (cancelled bool) {
	deadline := s.p.clock.After(s.p.g.cfg.DrainTimeout)
	for s.inflight > 0 {
		select {
		case res := <-s.results:
			s.finish(res)
		case <-s.tick:
			s.flushAndRearm()
		case <-deadline:
			s.p.log.Warn("drain deadline reached; cancelling in-flight handlers", zap.Int("in_flight", s.inflight))
			s.cancelHandlers()
			cancelled, deadline = true, nil
		}
	}
	return cancelled
}

// accept takes a fetched message in flight and hands it to a worker, or
// finishes it at once when an earlier owner finished it before a crash.
func (s *pass) accept(m Message) {
	p := s.p
	if s.first < 0 {
		s.first = m.Offset
	}
	s.fetchedAt[m.Offset] = p.clock.Now()
	s.wm.add(m.Offset)
	s.inflight++
	if p.prog.skip(m.Offset) {
		s.finish(result{offset: m.Offset})
		return
	}
	m.progress = p.prog
	p.g.workers.Go(func() {
		s.results <- result{offset: m.Offset, err: p.g.handler.Handle(s.hctx, m)}
	})
}

// finish takes a handler's result: the message's slots are given back; a
// success moves the watermark, a failure stops the fetching.
func (s *pass) finish(res result) {
	s.inflight--
	s.local.give()
	s.p.g.slots.give()
	if res.err != nil {
		if !s.failed {
			s.p.log.Warn("handler failed", zap.Int64("offset", res.offset), zap.Error(res.err))
		}
		s.failed = true
		s.stopFetch()
		return
	}
	s.wm.finish(res.offset)
	delete(s.fetchedAt, res.offset)
	s.p.prog.done(res.offset)
}

// next is the offset a pass after this one fetches from: the first
// unfinished one.
func (s *pass) next() int64 {
	if off := s.wm.commitOffset(); off >= 0 {
		return off
	}
	return s.p.start
}

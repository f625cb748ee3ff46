package consumer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// partition is the worker of one assigned partition for one generation.
type partition struct {
	g       *Group
	gen     *kafka.Generation
	topic   string
	id      int
	start   int64
	brokers []string
	prog    *progress // what is finished beyond the commit; read at start
	log     *zap.Logger
}

func (g *Group) newPartition(gen *kafka.Generation, topic string, a kafka.PartitionAssignment) *partition {
	return &partition{
		g:       g,
		gen:     gen,
		topic:   topic,
		id:      a.ID,
		start:   a.Offset,
		brokers: g.cfg.Brokers,
		log:     g.cfg.Log.With(zap.String("topic", topic), zap.Int("partition", a.ID)),
	}
}

// commit commits offset with the progress beyond it as metadata.
func (p *partition) commit(offset int64, metadata string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	res, err := p.g.client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: p.gen.GroupID, GenerationID: int(p.gen.ID), MemberID: p.gen.MemberID,
		Topics: map[string][]kafka.OffsetCommit{p.topic: {{Partition: p.id, Offset: offset, Metadata: metadata}}},
	})
	if err != nil {
		return err
	}
	for _, pr := range res.Topics[p.topic] {
		if pr.Error != nil {
			return pr.Error
		}
	}
	return nil
}

// readProgress reads the committed offset's metadata: what the previous
// owner finished beyond it. Any failure reads as no progress, which only
// means handling again what may have been handled.
func (p *partition) readProgress(ctx context.Context) *progress {
	var res *kafka.OffsetFetchResponse
	var err error
	for try := range 3 {
		if try > 0 && !pause(ctx, time.Second) {
			break
		}
		fctx, cancel := context.WithTimeout(ctx, commitTimeout)
		res, err = p.g.client.OffsetFetch(fctx, &kafka.OffsetFetchRequest{GroupID: p.gen.GroupID, Topics: map[string][]int{p.topic: {p.id}}})
		cancel()
		if err == nil && res.Error != nil {
			err = res.Error
		}
		if err == nil {
			break
		}
	}
	if err != nil {
		p.log.Warn("reading the committed progress; handling again what follows the commit", zap.Error(err))
		return newProgress(priorProgress{})
	}
	for _, pr := range res.Topics[p.topic] {
		if pr.Partition == p.id && pr.Error == nil && pr.CommittedOffset == p.start {
			prior := decodeProgress(pr.Metadata, pr.CommittedOffset)
			if n := len(prior.done) + len(prior.items); n > 0 {
				p.log.Info("resuming after the committed offset with the progress committed beside it",
					zap.Int64("offset", p.start), zap.Int("finished", len(prior.done)), zap.Int("partly_finished", len(prior.items)))
			}
			return newProgress(prior)
		}
	}
	return newProgress(priorProgress{})
}

// commitTimeout bounds a commit and the read of the committed progress.
const commitTimeout = 10 * time.Second

func (p *partition) tp() TopicPartition { return TopicPartition{p.topic, p.id} }

type result struct {
	offset int64
	err    error
}

// run processes the partition until ctx (the generation) ends, then drains
// and commits. When a handler fails, the partition drains and commits what
// is finished, waits (1 s, doubling up to 30 s), and fetches again from the
// failed message, without disturbing the group's other partitions.
func (p *partition) run(ctx context.Context) {
	p.prog = p.readProgress(ctx)
	backoff := time.Second
	for {
		next, failed := p.consume(ctx)
		if !failed || ctx.Err() != nil {
			return
		}
		p.log.Warn("a handler failed: fetching again from its message", zap.Int64("offset", next), zap.Duration("after", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		backoff = min(2*backoff, 30*time.Second)
		p.start = next
	}
}

// consume fetches from p.start and handles until ctx ends or a handler
// fails, then drains and commits. It returns the offset to fetch from next
// (the first unfinished one) and whether a handler failed.
func (p *partition) consume(ctx context.Context) (next int64, failed bool) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:         p.brokers,
		Topic:           p.topic,
		Partition:       p.id,
		MinBytes:        1,
		MaxBytes:        p.g.cfg.MaxFetchBytes,
		MaxWait:         250 * time.Millisecond,
		QueueCapacity:   64,
		ReadLagInterval: -1,
		ErrorLogger:     kafkaLogger(p.log),
	})
	defer r.Close()
	gaps := p.newGaps()
	defer gaps.close()
	if err := r.SetOffset(p.start); err != nil {
		p.log.Error("setting start offset", zap.Int64("offset", p.start), zap.Error(err))
		return p.start, true
	}

	// Handlers outlive ctx by up to DrainTimeout: a rebalance or shutdown
	// lets in-flight deliveries finish.
	hctx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()

	local := make(chan struct{}, p.g.cfg.MaxInFlightPerPartition)
	results := make(chan result, p.g.cfg.MaxInFlightPerPartition)
	fetched := make(chan Message)
	fetchDone := make(chan struct{})
	go func() {
		defer close(fetchDone)
		p.fetch(fetchCtx, r, gaps, local, fetched)
	}()

	wm := newWatermark()
	committed, committedMeta := p.start, ""
	if committed >= 0 {
		p.g.stats.started(p.tp(), committed)
	}
	defer p.g.stats.released(p.tp())
	first := int64(-1)                 // the first offset fetched
	fetchedAt := map[int64]time.Time{} // of the messages in flight
	// flush commits the watermark with the progress beyond it, when either
	// moved: a crash then costs at most what finished since (CommitInterval)
	// and what was in flight. clean marks the last commit of an orderly
	// stop.
	flush := func(clean bool) {
		off := wm.commitOffset()
		switch {
		case off >= 0:
		case p.start >= 0:
			off = p.start
		case first >= 0:
			off = first
		default:
			return // nothing fetched: no offset to commit against
		}
		since := time.Now()
		if o, ok := wm.oldest(); ok {
			since = fetchedAt[o]
		}
		meta, changed := p.prog.encode(off, wm.doneAbove(), since, clean)
		if off == committed && (!changed || meta == committedMeta) {
			return
		}
		err := p.commit(off, meta)
		if errors.Is(err, kafka.OffsetMetadataTooLarge) {
			// The broker's offset.metadata.max.bytes is below ours: the
			// offset alone, and a takeover looks for what it left out.
			p.log.Warn("the broker refuses the progress beside the offset; committing the offset alone", zap.Error(err))
			meta = ""
			err = p.commit(off, meta)
		}
		if err != nil {
			p.prog.unsent()
			p.log.Warn("committing offset", zap.Int64("offset", off), zap.Error(err))
			return
		}
		committed, committedMeta = off, meta
		p.prog.forget(off)
		p.g.stats.committed(p.tp(), off)
	}
	ticker := time.NewTicker(p.g.cfg.CommitInterval)
	defer ticker.Stop()

	inflight := 0
	finish := func(res result) {
		inflight--
		<-local
		<-p.g.slots
		if res.err != nil {
			if !failed {
				p.log.Warn("handler failed", zap.Int64("offset", res.offset), zap.Error(res.err))
			}
			failed = true
			stopFetch()
			return
		}
		wm.finish(res.offset)
		delete(fetchedAt, res.offset)
		p.prog.done(res.offset)
	}

	// Handlers run on workers that live as long as the partition, started
	// as the in-flight window grows: their stacks, once grown by a call into
	// the HTTP client, are reused rather than grown again per message.
	jobs := make(chan Message)
	var workers sync.WaitGroup
	started := 0
	defer func() { close(jobs); workers.Wait() }()
	handle := func(m Message) {
		select {
		case jobs <- m:
			return
		default:
		}
		if started < p.g.cfg.MaxInFlightPerPartition {
			started++
			workers.Go(func() {
				for m := range jobs {
					results <- result{offset: m.Offset, err: p.g.handler.Handle(hctx, m)}
				}
			})
		}
		jobs <- m
	}

	fetching := true
	for fetching {
		select {
		case m := <-fetched:
			if first < 0 {
				first = m.Offset
			}
			fetchedAt[m.Offset] = time.Now()
			wm.add(m.Offset)
			inflight++
			if p.prog.skip(m.Offset) { // finished before a crash
				finish(result{offset: m.Offset})
				continue
			}
			m.progress = p.prog
			handle(m)
		case res := <-results:
			finish(res)
		case <-ticker.C:
			flush(false)
		case <-fetchDone:
			fetching = false
		}
	}

	// Drain: let in-flight handlers finish, cancel them at the deadline;
	// commit as they do.
	deadline := time.NewTimer(p.g.cfg.DrainTimeout)
	defer deadline.Stop()
	cancelled := false
	for inflight > 0 {
		select {
		case res := <-results:
			finish(res)
		case <-ticker.C:
			flush(false)
		case <-deadline.C:
			p.log.Warn("drain deadline reached; cancelling in-flight handlers", zap.Int("in_flight", inflight))
			cancelHandlers()
			cancelled = true
		}
	}
	// Every handler has returned, and, unless one was cancelled (it may
	// have left a write behind that lands after it returned), what they did
	// is recorded: the next owner need not look for traces of it.
	flush(!cancelled)
	next = p.start
	if off := wm.commitOffset(); off >= 0 {
		next = off
	}
	return next, failed
}

// fetch reads messages in order and passes them on, taking an in-flight slot
// of the partition and of the group for each, so a full window stops the
// fetching. Records the reader skips because the broker deleted them unread
// are reported (gaps). It returns when ctx ends or the reader fails.
func (p *partition) fetch(ctx context.Context, r *kafka.Reader, gaps *gaps, local chan struct{}, out chan<- Message) {
	gaps.start(ctx, p.start)
	for {
		select {
		case local <- struct{}{}:
		case <-ctx.Done():
			return
		}
		select {
		case p.g.slots <- struct{}{}:
		case <-ctx.Done():
			<-local
			return
		}
		release := func() { <-p.g.slots; <-local }
		km, err := r.FetchMessage(ctx)
		if err != nil {
			release()
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				p.log.Warn("fetching", zap.Error(err))
			}
			return
		}
		p.g.stats.fetched(p.tp(), km.HighWaterMark)
		p.prog.fetched(km.HighWaterMark, km.Time)
		gaps.fetched(ctx, km.Offset)
		m := Message{Topic: km.Topic, Partition: km.Partition, Offset: km.Offset, Key: km.Key, Value: km.Value, Time: km.Time}
		if gate := p.g.cfg.Gate; gate != nil {
			if err := gate(ctx, m); err != nil {
				release()
				return
			}
		}
		select {
		case out <- m:
		case <-ctx.Done():
			release()
			return
		}
	}
}

// pause waits d, or less if ctx ends first (false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

package email

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/postload/postload/schema"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// Bounds of a partition's work.
const (
	fetchBuffer = 256              // records fetched ahead of the step that folds them
	maxStep     = 1000             // records one step folds at most
	kafkaPause  = time.Second      // after a failed Kafka call, doubling...
	kafkaPauseX = 30 * time.Second // ...up to this
	fetchWait   = 250 * time.Millisecond
)

// part owns one input partition for one generation of the group: it folds
// the partition's records into its windows, closes the windows when they
// end, keeps all of it in the state topic and commits what it folded. Its
// emails are sent by the Sender's loop while the partition is owned.
type part struct {
	s      *Sender
	src    partition
	state  *partState
	commit func(offset int64) error
	log    *zap.Logger
	// inherited are the IDs of the emails owed when the partition was
	// taken over (see owe).
	inherited map[string]bool
	// released is closed when the partition is given up.
	released chan struct{}
}

func (s *Sender) newPart(src partition, st *partState, commit func(int64) error) *part {
	if st == nil {
		st = newPartState()
	}
	p := &part{s: s, src: src, state: st, commit: commit, inherited: map[string]bool{}, released: make(chan struct{}),
		log: s.cfg.Log.With(zap.String("topic", src.topic), zap.Int("partition", src.id))}
	for id := range st.owed {
		p.inherited[id] = true
	}
	return p
}

// run owns the partition from start (an offset, or kafka.FirstOffset)
// until ctx ends, then gives it up: it returns once no email of the
// partition is being sent any more and every write it made is in Kafka.
func (p *part) run(ctx context.Context, start int64) {
	p.s.own(p)
	defer p.s.release(p)
	p.log.Info("email partition taken over", zap.Int("open_windows", p.openWindows()), zap.Int("emails_owed", len(p.state.owed)))

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: p.s.cfg.Brokers, Topic: p.src.topic, Partition: p.src.id,
		MinBytes: 1, MaxBytes: 1 << 20, MaxWait: fetchWait, QueueCapacity: 64, ReadLagInterval: -1,
		Dialer:      &kafka.Dialer{Timeout: p.s.cfg.KafkaTimeout},
		ErrorLogger: kafkaLogger(p.log),
	})
	defer r.Close()
	if err := r.SetOffset(start); err != nil {
		p.log.Error("setting the start offset", zap.Int64("offset", start), zap.Error(err))
		<-ctx.Done()
		return
	}
	fetched := make(chan kafka.Message, fetchBuffer)
	fctx, stopFetch := context.WithCancel(ctx)
	var fetcher sync.WaitGroup
	fetcher.Go(func() { p.fetch(fctx, r, fetched) })
	defer func() { stopFetch(); fetcher.Wait() }()

	for {
		batch, ok := p.gather(ctx, fetched)
		if !ok || !p.step(ctx, batch) {
			return
		}
	}
}

// fetch reads records in order into out until ctx ends.
func (p *part) fetch(ctx context.Context, r *kafka.Reader, out chan<- kafka.Message) {
	pause := kafkaPause
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("fetching", zap.Error(err))
			if !sleep(ctx, pause) {
				return
			}
			pause = min(2*pause, kafkaPauseX)
			continue
		}
		pause = kafkaPause
		select {
		case out <- m:
		case <-ctx.Done():
			return
		}
	}
}

// gather waits for a record or the end of a window, and returns what has
// been fetched by then (up to maxStep records); false once ctx ended.
func (p *part) gather(ctx context.Context, fetched <-chan kafka.Message) ([]kafka.Message, bool) {
	var due <-chan time.Time
	if end, ok := p.nextEnd(); ok {
		due = p.s.cfg.Clock.After(end.Sub(p.s.cfg.Clock.Now()))
	}
	var batch []kafka.Message
	select {
	case <-ctx.Done():
		return nil, false
	case <-due:
		return nil, true
	case m := <-fetched:
		batch = append(batch, m)
	}
	for len(batch) < maxStep {
		select {
		case m := <-fetched:
			batch = append(batch, m)
		default:
			return batch, true
		}
	}
	return batch, true
}

// step closes the windows that ended, folds batch, writes what changed to
// the state topic, hands the emails owed to the sending loop, and commits
// the batch. It returns false when ctx ended first: nothing of the step is
// then sent or committed (what it wrote, if anything, is in the state
// topic for the next owner).
func (p *part) step(ctx context.Context, batch []kafka.Message) bool {
	now := p.s.cfg.Clock.Now()
	var ch changes
	p.closeDue(now, &ch)
	for _, m := range batch {
		if err := p.fold(now, m, &ch); err != nil && !p.invalid(ctx, m, err) {
			return false
		}
	}
	if !ch.empty() && !p.persist(ctx, &ch) {
		return false
	}
	p.s.enqueue(p, ch.owed)
	if len(batch) > 0 {
		off := batch[len(batch)-1].Offset + 1
		if err := p.commit(off); err != nil {
			// The next commit covers it; a redelivery is counted once.
			p.log.Warn("committing offset", zap.Int64("offset", off), zap.Error(err))
		}
	}
	return true
}

// fold applies one record; an error wrapping ErrInvalid means it does not
// decode.
func (p *part) fold(now time.Time, m kafka.Message, ch *changes) error {
	if p.src.topic == p.s.cfg.DeadLetterTopic {
		dl, err := schema.DecodeDeadLetter(m.Value)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		p.foldDeadLetter(now, m.Offset, dl, ch)
		return nil
	}
	src, f, err := decodeForwarded(m.Value)
	if err != nil {
		return err
	}
	p.foldFailure(now, m.Offset, src, f, ch)
	return nil
}

// invalid hands on a record that does not decode, retrying until it is
// handed on (true) or ctx ends (false).
func (p *part) invalid(ctx context.Context, m kafka.Message, err error) bool {
	log := p.log.With(zap.Int64("offset", m.Offset))
	if p.s.cfg.Invalid == nil {
		log.Warn("record does not decode; skipped", zap.Error(err))
		return true
	}
	src := Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}
	return p.retry(ctx, "handing on an invalid record", func() error {
		return p.s.cfg.Invalid(ctx, src, m.Key, m.Value, err)
	})
}

// persist writes ch to the state topic, retrying until it is in Kafka
// (true) or ctx ends (false).
func (p *part) persist(ctx context.Context, ch *changes) bool {
	recs := make([]record, 0, len(ch.owed)+len(ch.order))
	for _, l := range ch.owed {
		recs = append(recs, record{key: p.src.emailKey(l.ID), value: mustJSON(l)})
	}
	for _, k := range ch.order {
		recs = append(recs, record{key: k, value: mustJSON(ch.states[k])})
	}
	return p.retry(ctx, "writing the email state", func() error { return p.s.state.write(ctx, recs) })
}

// retry calls f until it returns nil (true) or ctx ends (false), pausing
// between failures.
func (p *part) retry(ctx context.Context, what string, f func() error) bool {
	pause := kafkaPause
	for {
		err := f()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		p.log.Warn(what+"; retrying", zap.Duration("after", pause), zap.Error(err))
		if !sleep(ctx, pause) {
			return false
		}
		pause = min(2*pause, kafkaPauseX)
	}
}

func (p *part) openWindows() int {
	n := 0
	for _, h := range p.state.hooks {
		if h.Window != nil {
			n++
		}
	}
	for _, a := range p.state.accounts {
		if a.Batch != nil {
			n++
		}
	}
	return n
}

// mustJSON encodes a state value, which always encodes.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("email: encode state: %v", err))
	}
	return b
}

// sleep waits d of real time (Kafka retries are about the network, not
// the windows) or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// kafkaLogger routes kafka-go's error lines to zap.
func kafkaLogger(l *zap.Logger) kafka.Logger {
	s := l.Sugar()
	return kafka.LoggerFunc(func(format string, args ...any) { s.Warnf(format, args...) })
}

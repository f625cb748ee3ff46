package email

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Bounds of a partition's work.
const (
	fetchBuffer = 256  // records fetched ahead of the step that folds them
	maxStep     = 1000 // records one step folds at most
)

// message is a record of an owned partition; its bytes are its own.
type message struct {
	offset     int64
	key, value []byte
}

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

// run owns the partition from start (an offset; negative: the first)
// until ctx ends, then gives it up: it returns once no email of the
// partition is being sent any more and every write it made is in Kafka.
func (p *part) run(ctx context.Context, start int64) {
	p.s.own(p)
	defer p.s.release(p)
	p.log.Info("email partition taken over", zap.Int("open_windows", p.openWindows()), zap.Int("emails_owed", len(p.state.owed)))

	fetched := make(chan message, fetchBuffer)
	fctx, stopFetch := context.WithCancel(ctx)
	var fetcher sync.WaitGroup
	fetcher.Go(func() { p.fetch(fctx, start, fetched) })
	defer func() { stopFetch(); fetcher.Wait() }()

	for {
		batch, ok := p.gather(ctx, fetched)
		if !ok || !p.step(ctx, batch) {
			return
		}
	}
}

// fetch reads records from start in order into out until ctx ends.
func (p *part) fetch(ctx context.Context, start int64, out chan<- message) {
	_ = p.s.kafka.Follow(ctx, p.src.topic, p.src.id, start, nil, func(offset int64, _ time.Time, key, value []byte) error {
		select {
		case out <- message{offset: offset, key: key, value: value}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// gather waits for a record or the end of a window, and returns what has
// been fetched by then (up to maxStep records); false once ctx ended.
func (p *part) gather(ctx context.Context, fetched <-chan message) ([]message, bool) {
	var due <-chan time.Time
	if end, ok := p.nextEnd(); ok {
		due = p.s.cfg.Clock.After(end.Sub(p.s.cfg.Clock.Now()))
	}
	var batch []message
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

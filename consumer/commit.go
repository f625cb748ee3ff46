package consumer

import (
	"context"
	"errors"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// commitTimeout bounds a commit and the read of the committed progress.
const commitTimeout = 10 * time.Second

// flushAndRearm commits (flush) and sets the next commit CommitInterval on.
func (s *pass) flushAndRearm() {
	s.flush(false)
	s.tick = s.p.clock.After(s.p.g.cfg.CommitInterval)
}

// flush commits the watermark with the progress beyond it, when either
// moved: a crash then costs at most what finished since (CommitInterval)
// and what was in flight. clean marks the last commit of an orderly stop:
// every handler returned, none cancelled.
func (s *pass) flush(clean bool) {
	p := s.p
	off, ok := s.commitOffset()
	if !ok {
		return // nothing fetched: no offset to commit against
	}
	since := p.clock.Now()
	if o, ok := s.wm.oldest(); ok {
		since = s.fetchedAt[o]
	}
	meta, changed := p.prog.encode(off, s.wm.doneAbove(), since, clean)
	if off == s.committed && (!changed || meta == s.committedMeta) {
		return
	}
	meta, err := p.commit(off, meta)
	if err != nil {
		p.prog.unsent()
		p.log.Warn("committing offset", zap.Int64("offset", off), zap.Error(err))
		return
	}
	s.committed, s.committedMeta = off, meta
	p.prog.forget(off)
	p.g.stats.committed(p.tp, off)
}

// commitOffset is the offset to commit: one past the finished prefix;
// before anything finished, where the pass started, or else the first
// offset fetched.
func (s *pass) commitOffset() (int64, bool) {
	switch {
	case s.wm.commitOffset() >= 0:
		return s.wm.commitOffset(), true
	case s.p.start >= 0:
		return s.p.start, true
	case s.first >= 0:
		return s.first, true
	}
	return 0, false
}

// commit commits offset with metadata, and returns the metadata committed:
// when the broker refuses it as too large (its offset.metadata.max.bytes is
// below ours), the offset alone, and a takeover looks for what it left out.
func (p *partition) commit(offset int64, metadata string) (string, error) {
	err := p.commitOnce(offset, metadata)
	if errors.Is(err, kafka.OffsetMetadataTooLarge) {
		p.log.Warn("the broker refuses the progress beside the offset; committing the offset alone", zap.Error(err))
		metadata = ""
		err = p.commitOnce(offset, metadata)
	}
	return metadata, err
}

func (p *partition) commitOnce(offset int64, metadata string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	return p.store.commit(ctx, p.tp, offset, metadata)
}

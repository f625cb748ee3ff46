package email

import (
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// changes are what one step of a partition writes to the state topic:
// the emails owed first, then the states that owe them, so that a state
// is never in Kafka without the emails it owes (each request appends
// whole, the requests go in order).
type changes struct {
	owed   []*letter
	states map[string]any // key → *hookState or *accountState
	order  []string       // keys of states, first touched first
}

func (c *changes) owe(l *letter) { c.owed = append(c.owed, l) }

func (c *changes) touch(key string, state any) {
	if c.states == nil {
		c.states = map[string]any{}
	}
	if _, ok := c.states[key]; !ok {
		c.order = append(c.order, key)
	}
	c.states[key] = state
}

func (c *changes) empty() bool { return len(c.owed) == 0 && len(c.order) == 0 }

// foldDeadLetter applies the dead letter at offset to its hook's state:
// the first of a window (unless hook_disabled) and the window's first
// hook_gone are owed an email of their own; the others are folded into the
// window's digest. A dead letter at or below the hook's Through was
// folded before (it is delivered again after a crash) and changes nothing.
func (p *part) foldDeadLetter(now time.Time, offset int64, dl schema.DeadLetter, ch *changes) {
	log := p.log.With(zap.Int64("offset", offset), zap.String("event_id", dl.EventID), zap.Int64("hook_id", dl.Hook.ID),
		zap.Int64("client_id", dl.Hook.ClientID), zap.String("reason", dl.Reason))
	h := p.state.hooks[dl.Hook.ID]
	if h == nil {
		h = &hookState{HookID: dl.Hook.ID, ClientID: dl.Hook.ClientID, Through: -1}
		p.state.hooks[h.HookID] = h
	}
	if offset <= h.Through {
		p.s.stats.refolded.Add(1)
		log.Info("dead letter folded before (redelivered after a restart); counted once")
		return
	}
	h.Through = offset
	ch.touch(p.src.hookKey(h.HookID), h)
	to := p.s.addresses(dl.Hook.ClientID)
	if len(to) == 0 {
		p.s.stats.skipped.Add(1)
		log.Info("no enabled recipient: dead letter not mailed")
		return
	}
	w := h.Window
	atOnce := false
	switch {
	case w == nil:
		w = newWindow(offset, now, p.s.cfg.DigestWindow)
		h.Window = w
		atOnce = dl.Reason != schema.ReasonHookDisabled
	case dl.Reason == schema.ReasonHookGone && !w.GoneMailed:
		atOnce = true
	}
	if !atOnce {
		w.fold(dl, p.s.cfg.DigestListMax)
		p.s.stats.folded.Add(1)
		return
	}
	if dl.Reason == schema.ReasonHookGone {
		w.GoneMailed = true
	}
	l, err := p.s.deadLetterLetter(dl, to, p.src, offset)
	if err != nil {
		log.Error("email cannot be built; dead letter not mailed", zap.Error(err))
		return
	}
	p.owe(l, ch)
}

// foldFailure applies a failed load (forwarded, read at offset) to its
// account's batch, opening one if none is open. A record at or below what
// its source partition already gave the account was counted before.
func (p *part) foldFailure(now time.Time, offset int64, src Source, f schema.LoadFailure, ch *changes) {
	log := p.log.With(zap.Int64("offset", offset), zap.String("event_id", f.EventID), zap.Int64("client_id", f.ClientID))
	a := p.state.accounts[f.ClientID]
	if a == nil {
		a = &accountState{ClientID: f.ClientID, Sources: map[string]int64{}}
		p.state.accounts[a.ClientID] = a
	}
	from := src.Topic + "/" + strconv.Itoa(src.Partition)
	if last, ok := a.Sources[from]; ok && src.Offset <= last {
		p.s.stats.refolded.Add(1)
		log.Info("failed load counted before (forwarded or delivered again after a restart); counted once")
		return
	}
	a.Sources[from] = src.Offset
	ch.touch(p.src.accountKey(a.ClientID), a)
	if len(p.s.addresses(f.ClientID)) == 0 {
		p.s.stats.skipped.Add(1)
		log.Info("no enabled recipient: failed load not mailed")
		return
	}
	if a.Batch == nil {
		a.Batch = newFailedBatch(offset, now, p.s.cfg.FailedLoadWindow)
	}
	a.Batch.add(f)
}

// closeDue closes the windows that ended by now and owes their emails.
func (p *part) closeDue(now time.Time, ch *changes) {
	for _, h := range p.state.hooks {
		if h.Window == nil || now.Before(h.Window.End) {
			continue
		}
		if h.Window.Folded > 0 {
			p.closeDigest(h, ch)
		}
		h.Window = nil
		ch.touch(p.src.hookKey(h.HookID), h)
	}
	for _, a := range p.state.accounts {
		if a.Batch == nil || now.Before(a.Batch.End) {
			continue
		}
		p.closeBatch(a, ch)
		a.Batch = nil
		ch.touch(p.src.accountKey(a.ClientID), a)
	}
}

func (p *part) closeDigest(h *hookState, ch *changes) {
	log := p.log.With(zap.Int64("hook_id", h.HookID), zap.Int64("client_id", h.ClientID))
	to := p.s.addresses(h.ClientID)
	if len(to) == 0 {
		p.s.stats.skipped.Add(int64(h.Window.Folded))
		log.Info("no enabled recipient: digest not mailed", zap.Int("records", h.Window.Folded))
		return
	}
	l, err := p.s.digestLetter(h, to, p.src)
	if err != nil {
		log.Error("digest cannot be built; not mailed", zap.Int("records", h.Window.Folded), zap.Error(err))
		return
	}
	p.owe(l, ch)
}

func (p *part) closeBatch(a *accountState, ch *changes) {
	log := p.log.With(zap.Int64("client_id", a.ClientID))
	to := p.s.addresses(a.ClientID)
	if len(to) == 0 {
		p.s.stats.skipped.Add(int64(a.Batch.Records))
		log.Info("no enabled recipient: failed loads not mailed", zap.Int("records", a.Batch.Records))
		return
	}
	l, err := p.s.failedLoadsLetter(a, to, p.src)
	if err != nil {
		log.Error("failed-loads email cannot be built; not mailed", zap.Int("records", a.Batch.Records), zap.Error(err))
		return
	}
	p.owe(l, ch)
}

// owe adds l to what the step writes, unless an email of its ID was owed
// when this process took the partition over: then a step that a crash cut
// short is being done again, and that email is already owed (or sent).
func (p *part) owe(l *letter, ch *changes) {
	if p.inherited[l.ID] {
		p.log.Info("email owed before the partition was taken over; not owed twice", zap.String("email_id", l.ID))
		return
	}
	ch.owe(l)
}

// nextEnd is the earliest end of an open window, if any.
func (p *part) nextEnd() (time.Time, bool) {
	var end time.Time
	for _, h := range p.state.hooks {
		if h.Window != nil && (end.IsZero() || h.Window.End.Before(end)) {
			end = h.Window.End
		}
	}
	for _, a := range p.state.accounts {
		if a.Batch != nil && (end.IsZero() || a.Batch.End.Before(end)) {
			end = a.Batch.End
		}
	}
	return end, !end.IsZero()
}

package email

import (
	"fmt"

	"github.com/postload/postload/schema"
)

// deadLetterLetter is the email mailed at once for dl, read at offset of
// src: the undeliverable notice, or the hook-disabled notice for hook_gone.
func (s *Sender) deadLetterLetter(dl schema.DeadLetter, to []string, src partition, offset int64) (*letter, error) {
	v := deadLetterViewOf(dl)
	var l *letter
	var err error
	if dl.Reason == schema.ReasonHookGone {
		l, err = s.newLetter("hook_gone", SubjectHookGone, goneData{
			DeadLetter: v,
			Method:     "PUT",
			Path:       fmt.Sprintf("/notifications/public/v1/api/hooks/%d", dl.Hook.ID),
			Body:       `{"enable": true}`,
			Window:     human(s.cfg.DigestWindow),
		}, to, letterID("hook_gone", dl.Hook.ID, src, offset))
	} else {
		l, err = s.newLetter("dead_letter", SubjectUndeliverable, deadLetterData{
			DeadLetter: v,
			Window:     human(s.cfg.DigestWindow),
		}, to, letterID("dead_letter", dl.Hook.ID, src, offset))
	}
	if err != nil {
		return nil, err
	}
	l.Covers, l.HookID, l.ClientID = 1, dl.Hook.ID, dl.Hook.ClientID
	return l, nil
}

// digestLetter counts the dead letters folded into h's window and lists
// the first.
func (s *Sender) digestLetter(h *hookState, to []string, src partition) (*letter, error) {
	w := h.Window
	d := digestData{
		HookID:    h.HookID,
		URL:       w.URL,
		Count:     w.Folded,
		NotListed: w.Folded - len(w.Listed),
		Tally:     tally(w.Sent, w.Skipped),
		Exhausted: w.ByReason[schema.ReasonRetriesExhausted],
		Gone:      w.ByReason[schema.ReasonHookGone],
		Disabled:  w.ByReason[schema.ReasonHookDisabled],
		Listed:    w.Listed,
		First:     when(w.First),
		Last:      when(w.Last),
		Window:    human(s.cfg.DigestWindow),
	}
	l, err := s.newLetter("digest", SubjectUndeliverable, d, to, letterID("digest", h.HookID, src, w.Opened))
	if err != nil {
		return nil, err
	}
	l.Covers, l.HookID, l.ClientID = w.Folded, h.HookID, h.ClientID
	return l, nil
}

// failedLoadsLetter lists every table of a's batch.
func (s *Sender) failedLoadsLetter(a *accountState, to []string, src partition) (*letter, error) {
	b := a.Batch
	d := failedLoadsData{Records: b.Records, Since: when(b.Start)}
	for _, t := range b.Tables {
		d.Tables = append(d.Tables, tableView{
			DestinationID: t.DestinationID,
			Integration:   t.Integration,
			Table:         t.Table,
			Error:         t.Error,
			First:         when(t.First),
			Last:          when(t.Last),
			Count:         t.Count,
		})
	}
	l, err := s.newLetter("failed_loads", SubjectFailedLoads, d, to, letterID("failed_loads", a.ClientID, src, b.Opened))
	if err != nil {
		return nil, err
	}
	l.Covers, l.ClientID = b.Records, a.ClientID
	return l, nil
}

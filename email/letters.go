package email

import (
	"fmt"

	"github.com/postload/postload/schema"
)

// deadLetterLetter is the email mailed at once for dl: the undeliverable
// notice, or the hook-disabled notice for hook_gone.
func (s *Sender) deadLetterLetter(dl schema.DeadLetter, to []string) (*letter, error) {
	v := deadLetterViewOf(dl)
	if dl.Reason == schema.ReasonHookGone {
		return s.newLetter("hook_gone", SubjectHookGone, goneData{
			DeadLetter: v,
			Method:     "PUT",
			Path:       fmt.Sprintf("/notifications/public/v1/api/hooks/%d", dl.Hook.ID),
			Body:       `{"enable": true}`,
			Window:     human(s.cfg.DigestWindow),
		}, to)
	}
	return s.newLetter("dead_letter", SubjectUndeliverable, deadLetterData{
		DeadLetter: v,
		Window:     human(s.cfg.DigestWindow),
	}, to)
}

// digestLetter counts the dead letters folded into c and lists the first.
func (s *Sender) digestLetter(c *cycle, to []string) (*letter, error) {
	d := digestData{
		HookID:    c.hookID,
		URL:       shownURL(c.url),
		Tally:     tally(c.sent, c.skipped),
		Count:     c.folded,
		NotListed: c.folded - len(c.listed),
		Exhausted: c.byReason[schema.ReasonRetriesExhausted],
		Gone:      c.byReason[schema.ReasonHookGone],
		Disabled:  c.byReason[schema.ReasonHookDisabled],
		First:     when(c.first),
		Last:      when(c.last),
		Window:    human(s.cfg.DigestWindow),
	}
	for _, dl := range c.listed {
		d.Listed = append(d.Listed, deadLetterViewOf(dl))
	}
	return s.newLetter("digest", SubjectUndeliverable, d, to)
}

// failedLoadsLetter lists every table of b.
func (s *Sender) failedLoadsLetter(b *batch, to []string) (*letter, error) {
	d := failedLoadsData{Records: b.records, Since: when(b.start)}
	for _, k := range b.order {
		t := b.tables[k]
		d.Tables = append(d.Tables, tableView{
			DestinationID: t.destinationID,
			Integration:   t.integration,
			Table:         t.table,
			Error:         t.err,
			First:         when(t.first),
			Last:          when(t.last),
			Count:         t.count,
		})
	}
	return s.newLetter("failed_loads", SubjectFailedLoads, d, to)
}

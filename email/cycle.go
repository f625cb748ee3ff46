package email

import (
	"time"

	"github.com/postload/postload/schema"
)

// cycle is a hook's folding window. It opens with the hook's first dead
// letter, which is mailed at once (unless it is hook_disabled), and closes
// at end with one digest of the dead letters folded into it meanwhile.
type cycle struct {
	hookID, clientID int64
	url              string
	start, end       time.Time
	goneMailed       bool                // the hook_gone email went out in this window
	seen             map[string]*outcome // event id → what its handler waits on

	folded   int                 // dead letters folded into the digest
	sent     int                 // requests sent for them
	skipped  int                 // their attempts the open breaker skipped
	byReason map[string]int      // folded, by reason
	listed   []schema.DeadLetter // the first DigestListMax folded
	first    time.Time           // earliest dead_at folded
	last     time.Time           // latest dead_at folded
	digest   *outcome            // resolved when the digest was sent
}

func newCycle(dl schema.DeadLetter, now time.Time, window time.Duration) *cycle {
	return &cycle{
		hookID:   dl.Hook.ID,
		clientID: dl.Hook.ClientID,
		url:      dl.Hook.URL,
		start:    now,
		end:      now.Add(window),
		seen:     map[string]*outcome{},
		byReason: map[string]int{},
		digest:   newOutcome(),
	}
}

// fold counts dl in the digest, listing it in full if fewer than limit are.
func (c *cycle) fold(dl schema.DeadLetter, limit int) *outcome {
	c.folded++
	sent, skipped := schema.CountAttempts(dl.Attempts)
	c.sent += sent
	c.skipped += skipped
	c.byReason[dl.Reason]++
	if len(c.listed) < limit {
		c.listed = append(c.listed, dl)
	}
	if c.first.IsZero() || dl.DeadAt.Before(c.first) {
		c.first = dl.DeadAt
	}
	if dl.DeadAt.After(c.last) {
		c.last = dl.DeadAt
	}
	c.seen[dl.EventID] = c.digest
	return c.digest
}

// mailAtOnce records that dl gets an email of its own.
func (c *cycle) mailAtOnce(dl schema.DeadLetter) *outcome {
	o := newOutcome()
	c.seen[dl.EventID] = o
	if dl.Reason == schema.ReasonHookGone {
		c.goneMailed = true
	}
	return o
}

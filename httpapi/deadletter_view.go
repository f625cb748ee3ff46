package httpapi

import (
	"time"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

// deadLetterView is a dead letter as the API shows it; times are UTC,
// whole seconds, as everywhere in the API.
type deadLetterView struct {
	ID       string           `json:"id"`
	EventID  string           `json:"event_id"`
	Hook     schema.HookRef   `json:"hook"`
	Reason   string           `json:"reason"`
	Attempts []schema.Attempt `json:"attempts"`
	// RequestsSent and AttemptsSkipped are derived from Attempts: those
	// that sent a request, and those the open breaker skipped.
	RequestsSent    int        `json:"requests_sent"`
	AttemptsSkipped int        `json:"attempts_skipped"`
	FirstAttemptAt  *time.Time `json:"first_attempt_at"` // null without attempts
	LastAttemptAt   *time.Time `json:"last_attempt_at"`
	DeadAt          time.Time  `json:"dead_at"`
	Replayed        bool       `json:"replayed"`
}

func viewOf(e dlq.Entry, replayed bool) deadLetterView {
	dl := e.DeadLetter
	v := deadLetterView{
		ID: e.ID, EventID: dl.EventID, Hook: dl.Hook, Reason: dl.Reason,
		Attempts: make([]schema.Attempt, len(dl.Attempts)),
		DeadAt:   stamp(dl.DeadAt), Replayed: replayed,
	}
	for i, at := range dl.Attempts {
		at.StartedAt = stamp(at.StartedAt)
		v.Attempts[i] = at
	}
	v.RequestsSent, v.AttemptsSkipped = schema.CountAttempts(dl.Attempts)
	if len(dl.Attempts) > 0 {
		first, last := stamp(dl.FirstAttemptAt), stamp(dl.LastAttemptAt)
		v.FirstAttemptAt, v.LastAttemptAt = &first, &last
	}
	return v
}

// stamp is t in UTC, whole seconds.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

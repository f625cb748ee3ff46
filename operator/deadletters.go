package operator

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/postload/postload/dlq"
)

// DeadLetterSection counts the dead letters of the last hours, per hour:
// all together and per account and hook.
type DeadLetterSection struct {
	// Since is the start of the first hour, Until the end of the last
	// (the current) one.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Hours are the start of each hour, oldest first; Total the dead
	// letters of each.
	Hours []time.Time `json:"hours"`
	Total []int       `json:"total"`
	Count int         `json:"count"`
	// Hooks are the hooks with dead letters in the period, most first.
	Hooks []HookDeadLetters `json:"hooks"`
	Error string            `json:"error,omitempty"`
}

// HookDeadLetters are one hook's dead letters in the period.
type HookDeadLetters struct {
	ClientID int64 `json:"client_id"`
	HookID   int64 `json:"hook_id"`
	Count    int   `json:"count"`
	// Replayed counts those replayed since.
	Replayed int `json:"replayed"`
	// PerHour is aligned with DeadLetterSection.Hours.
	PerHour []int `json:"per_hour"`
}

// deadLetters scans the DLQ for the dead letters since the start of the
// hour DeadLetterHours-1 hours ago (by dead_at).
func (s *Server) deadLetters(ctx context.Context, now time.Time) DeadLetterSection {
	n := s.cfg.DeadLetterHours
	until := now.Truncate(time.Hour).Add(time.Hour)
	since := until.Add(-time.Duration(n) * time.Hour)
	sec := DeadLetterSection{Since: since, Until: until, Hours: make([]time.Time, n), Total: make([]int, n), Hooks: []HookDeadLetters{}}
	for i := range sec.Hours {
		sec.Hours[i] = since.Add(time.Duration(i) * time.Hour)
	}
	type key struct{ client, hook int64 }
	byHook := map[key]*HookDeadLetters{}
	err := s.cfg.DeadLetters.Scan(ctx, dlq.Filter{Since: since, Until: until}, func(e dlq.Entry, replayed bool) error {
		i := int(e.DeadLetter.DeadAt.Sub(since) / time.Hour)
		if i < 0 || i >= n {
			return nil
		}
		k := key{e.DeadLetter.Hook.ClientID, e.DeadLetter.Hook.ID}
		h := byHook[k]
		if h == nil {
			h = &HookDeadLetters{ClientID: k.client, HookID: k.hook, PerHour: make([]int, n)}
			byHook[k] = h
		}
		h.Count++
		h.PerHour[i]++
		if replayed {
			h.Replayed++
		}
		sec.Total[i]++
		sec.Count++
		return nil
	})
	if err != nil {
		sec.Error = "reading the dead-letter queue: " + err.Error()
	}
	for _, h := range byHook {
		sec.Hooks = append(sec.Hooks, *h)
	}
	slices.SortFunc(sec.Hooks, func(a, b HookDeadLetters) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ClientID, b.ClientID), cmp.Compare(a.HookID, b.HookID))
	})
	return sec
}

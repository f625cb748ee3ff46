package operator

import (
	"fmt"
	"strings"
	"time"

	"github.com/postload/postload/schema"
)

// Breaker states as the view derives them from the delivery log.
const (
	// BreakerOpen: a breaker refused the hook's newest attempt, or refused
	// one since its last delivery and a probe failed after.
	BreakerOpen = "open"
	// BreakerFailing: enough requests failed in the window for a breaker
	// to open on them.
	BreakerFailing = "failing"
)

// maxAttemptsRead bounds the attempts read per hook.
const maxAttemptsRead = 1000

// BreakerSection lists the hooks whose breaker is open or about to be.
// Breakers are per process, so this is derived from the delivery log,
// which every process writes: see Rule.
type BreakerSection struct {
	// Available is false without the delivery log (--delivery-log=false).
	Available bool   `json:"available"`
	Rule      string `json:"rule"`
	// WindowSeconds is how far back the delivery log was read.
	WindowSeconds int64         `json:"window_seconds"`
	Hooks         []BreakerHook `json:"hooks"`
	Error         string        `json:"error,omitempty"`
}

// BreakerHook is one hook whose breaker is open or failing.
type BreakerHook struct {
	ClientID int64  `json:"client_id"`
	HookID   int64  `json:"hook_id"`
	Endpoint string `json:"endpoint"` // scheme://host[:port]
	State    string `json:"state"`    // BreakerOpen or BreakerFailing
	// Attempts in the window: requests sent that failed, requests sent,
	// and attempts a breaker refused without a request.
	Failed   int `json:"failed"`
	Requests int `json:"requests"`
	Skipped  int `json:"skipped"`
	// The newest attempt.
	LastAt      time.Time `json:"last_at"`
	LastOutcome string    `json:"last_outcome"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
}

func (s *Server) breakerRule() string {
	return fmt.Sprintf("From the delivery log of the last %v, every process's attempts together: open when a breaker refused the newest attempt "+
		"(outcome skipped), or refused one since the last delivery and the attempts after failed; failing when at least %d requests were sent "+
		"and %.0f%% or more of them failed.", s.cfg.BreakerWindow, s.cfg.MinRequests, s.cfg.FailureRatio*100)
}

// breakers reads each live hook's attempts in the window.
func (s *Server) breakers(hooks []schema.Hook, now time.Time) BreakerSection {
	sec := BreakerSection{Available: s.cfg.Attempts != nil, Rule: s.breakerRule(), WindowSeconds: int64(s.cfg.BreakerWindow / time.Second), Hooks: []BreakerHook{}}
	if s.cfg.Attempts == nil {
		return sec
	}
	var errs []string
	for _, h := range hooks {
		as, err := s.cfg.Attempts.Recent(h.ClientID, h.ID, now.Add(-s.cfg.BreakerWindow), maxAttemptsRead)
		if err != nil {
			errs = append(errs, fmt.Sprintf("hook %d: %v", h.ID, err))
			continue
		}
		if b, ok := judge(as, s.cfg.MinRequests, s.cfg.FailureRatio); ok {
			b.ClientID, b.HookID = h.ClientID, h.ID
			sec.Hooks = append(sec.Hooks, b)
		}
	}
	if len(errs) > 0 {
		sec.Error = "reading the delivery log: " + strings.Join(errs, "; ")
	}
	return sec
}

// judge applies the rule to a hook's attempts, newest first.
func judge(as []schema.LoggedAttempt, minRequests int, ratio float64) (BreakerHook, bool) {
	if len(as) == 0 {
		return BreakerHook{}, false
	}
	last := as[0]
	b := BreakerHook{Endpoint: last.Endpoint, LastAt: last.At, LastOutcome: last.Outcome, LastStatus: last.Status, LastError: last.Error}
	skippedSinceDelivery := false
	delivered := false
	for _, a := range as {
		switch a.Outcome {
		case schema.LoggedSkipped:
			b.Skipped++
			if !delivered {
				skippedSinceDelivery = true
			}
		case schema.LoggedFailed:
			b.Requests++
			b.Failed++
		case schema.LoggedDelivered:
			b.Requests++
			delivered = true
		}
	}
	switch {
	case last.Outcome == schema.LoggedSkipped, last.Outcome == schema.LoggedFailed && skippedSinceDelivery:
		b.State = BreakerOpen
	case b.Requests >= minRequests && b.Requests > 0 && float64(b.Failed) >= ratio*float64(b.Requests):
		b.State = BreakerFailing
	default:
		return BreakerHook{}, false
	}
	return b, true
}

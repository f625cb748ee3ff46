package operator

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// Overview is everything the view shows, as the JSON variant gives it. A
// section that could not be read has its Error set and the others are
// still shown.
type Overview struct {
	At          time.Time           `json:"at"`
	Breakers    BreakerSection      `json:"breakers"`
	DeadLetters DeadLetterSection   `json:"dead_letters"`
	Lag         LagSection          `json:"lag"`
	Disabled    DisabledHookSection `json:"disabled_hooks"`
}

// build reads every section.
func (s *Server) build(ctx context.Context) Overview {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.BuildTimeout)
	defer cancel()
	now := s.cfg.Now().UTC()
	hooks := s.cfg.Hooks.AllHooks()
	o := Overview{
		At:          now,
		Breakers:    s.breakers(hooks, now),
		DeadLetters: s.deadLetters(ctx, now),
		Lag:         s.lag(ctx),
		Disabled:    s.disabled(hooks),
	}
	for name, msg := range map[string]string{"breakers": o.Breakers.Error, "dead letters": o.DeadLetters.Error, "lag": o.Lag.Error} {
		if msg != "" {
			s.cfg.Log.Warn("operator view: a section could not be read", zap.String("section", name), zap.String("error", msg))
		}
	}
	return o
}

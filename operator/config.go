package operator

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/websession"
	"github.com/postload/postload/schema"
)

// Defaults of Config.
const (
	DefaultBreakerWindow   = 10 * time.Minute
	DefaultMinRequests     = 10
	DefaultFailureRatio    = 0.6
	DefaultDeadLetterHours = 24
	DefaultSessionTTL      = 12 * time.Hour
	DefaultMaxSessions     = 100
	DefaultBuildTimeout    = 20 * time.Second
	// MinTokenLength is the shortest operator token taken.
	MinTokenLength = 16
)

// Config is what a Server shows and whom to.
type Config struct {
	// Token is the operator's token: a bearer token for the JSON view, the
	// sign-in for the HTML one. At least MinTokenLength characters.
	// Required.
	Token string
	// Hooks is the registry. Required.
	Hooks Hooks
	// DeadLetters is the dead-letter queue. Required.
	DeadLetters DeadLetters
	// Offsets reads the consumer groups' commits. Required.
	Offsets Offsets
	// Groups are the consumer groups whose lag is shown.
	Groups []Group
	// Attempts is the delivery log, from which open breakers are derived.
	// Nil (no delivery log): the section says it is not available.
	Attempts Attempts
	// AutoDisabled reads from a disabled hook's record whether postload
	// disabled it by itself. Nil: the view does not say who disabled a
	// hook.
	AutoDisabled func(schema.Hook) *AutoDisabled

	// BreakerWindow is how far back the delivery log is read to find open
	// breakers. Default (0): DefaultBreakerWindow.
	BreakerWindow time.Duration
	// MinRequests and FailureRatio: a hook whose attempts in the window
	// sent at least MinRequests requests, FailureRatio or more of them
	// failed, is shown as failing (its breaker opens on these counts, as
	// serve's --breaker-min-requests and --breaker-failure-ratio set it).
	// Defaults (0): DefaultMinRequests, DefaultFailureRatio (serve's).
	MinRequests  int
	FailureRatio float64
	// DeadLetterHours is how many hours of dead letters are counted.
	// Default (0): DefaultDeadLetterHours.
	DeadLetterHours int
	// BuildTimeout bounds the reading of one view. Default (0):
	// DefaultBuildTimeout.
	BuildTimeout time.Duration
	// SessionTTL is how long a sign-in lasts; MaxSessions bounds them
	// (signing in when it is reached ends the oldest). Defaults (0):
	// DefaultSessionTTL, DefaultMaxSessions.
	SessionTTL  time.Duration
	MaxSessions int
	// Sessions, if set, keeps the sessions on the compacted topic
	// SessionTopic, which every instance's view follows (see
	// websession.Store). Nil: this process's memory only.
	Sessions     websession.Kafka
	SessionTopic string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Log receives the sections that could not be read. Default: none.
	Log *zap.Logger
}

func (c Config) withDefaults() Config {
	c.BreakerWindow = cmp.Or(c.BreakerWindow, DefaultBreakerWindow)
	c.MinRequests = cmp.Or(c.MinRequests, DefaultMinRequests)
	c.FailureRatio = cmp.Or(c.FailureRatio, DefaultFailureRatio)
	c.DeadLetterHours = cmp.Or(c.DeadLetterHours, DefaultDeadLetterHours)
	c.BuildTimeout = cmp.Or(c.BuildTimeout, DefaultBuildTimeout)
	c.SessionTTL = cmp.Or(c.SessionTTL, DefaultSessionTTL)
	c.MaxSessions = cmp.Or(c.MaxSessions, DefaultMaxSessions)
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c.
func (c Config) Validate() error {
	var errs []error
	if len(c.Token) < MinTokenLength {
		errs = append(errs, fmt.Errorf("operator: the token has %d characters: give one of at least %d (e.g. openssl rand -hex 32)", len(c.Token), MinTokenLength))
	}
	if c.Hooks == nil {
		errs = append(errs, errors.New("operator: Config.Hooks is nil: give the hook registry"))
	}
	if c.DeadLetters == nil {
		errs = append(errs, errors.New("operator: Config.DeadLetters is nil: give the dead-letter queue"))
	}
	if c.Offsets == nil {
		errs = append(errs, errors.New("operator: Config.Offsets is nil: give the Kafka client"))
	}
	for name, v := range map[string]time.Duration{"BreakerWindow": c.BreakerWindow, "BuildTimeout": c.BuildTimeout, "SessionTTL": c.SessionTTL} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("operator: %s %v: give 0 (the default) or more", name, v))
		}
	}
	if c.MinRequests < 0 || c.DeadLetterHours < 0 || c.DeadLetterHours > 24*7 || c.MaxSessions < 0 {
		errs = append(errs, fmt.Errorf("operator: MinRequests %d, DeadLetterHours %d, MaxSessions %d: give 0 (the defaults) or more, and at most 168 hours",
			c.MinRequests, c.DeadLetterHours, c.MaxSessions))
	}
	if c.FailureRatio < 0 || c.FailureRatio > 1 {
		errs = append(errs, fmt.Errorf("operator: FailureRatio %v: give 0 (default %v) up to 1", c.FailureRatio, DefaultFailureRatio))
	}
	return errors.Join(errs...)
}

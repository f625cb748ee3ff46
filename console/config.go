package console

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/websession"
)

// Defaults of Config.
const (
	DefaultSessionTTL  = 12 * time.Hour
	DefaultMaxSessions = 10000
)

// Config is what a Server serves. The optional sources (Breakers,
// Attempts, Tester, AutoDisable) each show a section of a page; a nil one
// hides it.
type Config struct {
	// Tokens identifies the account signing in. Required.
	Tokens Tokens
	// Registry holds the hooks and recipients. Required.
	Registry Registry
	// DeadLetters lists and replays the dead letters. Required.
	DeadLetters DeadLetters

	Breakers    Breakers
	Attempts    AttemptLog
	Tester      Tester
	AutoDisable AutoDisable

	// SessionTTL is how long a sign-in lasts. Default (0):
	// DefaultSessionTTL; negative is refused.
	SessionTTL time.Duration
	// MaxSessions bounds the sessions kept; signing in when it is reached
	// ends the session that would expire first. Default (0):
	// DefaultMaxSessions; negative is refused.
	MaxSessions int
	// Sessions, if set, keeps the sessions on the compacted topic
	// SessionTopic, which every console instance follows: any instance
	// serves any session, and a restart keeps them (websession.Store).
	// Nil: this process's memory only.
	Sessions websession.Kafka
	// SessionTopic is the sessions' topic. Default websession.DefaultTopic.
	SessionTopic string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Log receives the failures answered 503. Default: none.
	Log *zap.Logger
}

func (c Config) withDefaults() Config {
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
	if c.Tokens == nil {
		errs = append(errs, errors.New("console: Config.Tokens is nil: give the token file"))
	}
	if c.Registry == nil {
		errs = append(errs, errors.New("console: Config.Registry is nil: give the hook registry"))
	}
	if c.DeadLetters == nil {
		errs = append(errs, errors.New("console: Config.DeadLetters is nil: give the dead-letter queue"))
	}
	if c.SessionTTL < 0 {
		errs = append(errs, fmt.Errorf("console: SessionTTL %v: give 0 (default %v) or more", c.SessionTTL, DefaultSessionTTL))
	}
	if c.MaxSessions < 0 {
		errs = append(errs, fmt.Errorf("console: MaxSessions %d: give 0 (default %d) or more", c.MaxSessions, DefaultMaxSessions))
	}
	return errors.Join(errs...)
}

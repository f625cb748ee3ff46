package autodisable

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/schema"
)

// Registry is the hook registry as the Tracker uses it; *hook.Store is one.
type Registry interface {
	// Hook returns a hook, enabled or disabled; false once deleted.
	Hook(id int64) (schema.Hook, bool)
	// AutoDisableHook disables the hook for why, unless it is disabled
	// already or changed after why.FailingSince, and returns it as it is.
	AutoDisableHook(ctx context.Context, clientID, id int64, why schema.AutoDisabled) (schema.Hook, error)
}

// Notifier hands an auto-disable notice to the email role; it returns nil
// once the notice is in Kafka.
type Notifier interface {
	Notify(ctx context.Context, n schema.AutoDisableNotice) error
}

// NotifierFunc is a Notifier.
type NotifierFunc func(ctx context.Context, n schema.AutoDisableNotice) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n schema.AutoDisableNotice) error { return f(ctx, n) }

// Config configures a Tracker. The zero value of each field stands for its
// default.
type Config struct {
	// After is how long every attempt of a hook must have failed before it
	// is disabled. Default DefaultAfter (120h, 5 days). (cmd/postload's
	// --auto-disable-after 0 runs no Tracker at all.)
	After time.Duration
	// MinFailures is the fewest failed attempts (requests sent) within
	// that period: a hook with few deliveries is not disabled on the
	// strength of one or two. Default DefaultMinFailures (20).
	MinFailures int
	// Sweep is how often streaks are judged by the clock (a hook whose
	// deliveries stopped coming still reaches After). Default
	// DefaultSweep (1m).
	Sweep time.Duration
	// Timeout bounds one registry change or notice. Default DefaultTimeout
	// (10s).
	Timeout time.Duration
	// Clock tells the time. Default: the system clock.
	Clock clock.Clock
	// Log receives the disables and failures. Default: none.
	Log *zap.Logger
}

// Defaults of Config.
const (
	DefaultAfter       = 120 * time.Hour
	DefaultMinFailures = 20
	DefaultSweep       = time.Minute
	DefaultTimeout     = 10 * time.Second
)

func (c Config) withDefaults() Config {
	c.After = cmp.Or(c.After, DefaultAfter)
	c.MinFailures = cmp.Or(c.MinFailures, DefaultMinFailures)
	c.Sweep = cmp.Or(c.Sweep, DefaultSweep)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.Clock = cmp.Or[clock.Clock](c.Clock, clock.System{})
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	var errs []error
	if c.After < 0 {
		errs = append(errs, fmt.Errorf("auto-disable period %v: give a positive duration (0 for %v)", c.After, DefaultAfter))
	}
	if c.MinFailures < 0 {
		errs = append(errs, fmt.Errorf("auto-disable minimum of failed attempts %d: give a positive count (0 for %d)", c.MinFailures, DefaultMinFailures))
	}
	if c.Sweep < 0 || c.Timeout < 0 {
		errs = append(errs, errors.New("auto-disable sweep and timeout must not be negative"))
	}
	return errors.Join(errs...)
}

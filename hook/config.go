package hook

import (
	"cmp"
	"errors"
	"fmt"
	"time"
)

// Config configures a Store. The zero value of each field but Kafka means
// its default.
type Config struct {
	// Kafka reads and writes the topics (consumer.Client). Required.
	Kafka Kafka
	// HooksTopic holds the hooks (compacted, 1 partition). Default
	// DefaultHooksTopic ("postload.hooks").
	HooksTopic string
	// RecipientsTopic holds the notification recipients (compacted, 1
	// partition). Default DefaultRecipientsTopic ("postload.recipients").
	RecipientsTopic string
	// IDsTopic is the 1-partition topic whose offsets are the ids. Default
	// DefaultIDsTopic ("postload.ids").
	IDsTopic string
	// Timeout bounds each write (a produce) and the wait for this Store to
	// apply its own write; Kafka bounds each of its requests. Default
	// DefaultTimeout (10s).
	Timeout time.Duration
	// CheckURL, if set, is a further check of a hook URL at creation (the
	// SSRF guard: it refuses hosts inside the operator's network); an error
	// makes CreateHook fail with ErrInvalidURL. Default: none.
	CheckURL func(url string) error
	// RotationOverlap is how long after a secret rotation requests are
	// signed with the previous secret too. Default DefaultRotationOverlap
	// (24h).
	RotationOverlap time.Duration
}

// Defaults of Config.
const (
	DefaultHooksTopic      = "postload.hooks"
	DefaultRecipientsTopic = "postload.recipients"
	DefaultIDsTopic        = "postload.ids"
	DefaultTimeout         = 10 * time.Second
	DefaultRotationOverlap = 24 * time.Hour
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.HooksTopic = cmp.Or(c.HooksTopic, DefaultHooksTopic)
	c.RecipientsTopic = cmp.Or(c.RecipientsTopic, DefaultRecipientsTopic)
	c.IDsTopic = cmp.Or(c.IDsTopic, DefaultIDsTopic)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.RotationOverlap = cmp.Or(c.RotationOverlap, DefaultRotationOverlap)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Kafka == nil {
		errs = append(errs, errors.New("hook: Config.Kafka is nil: set the Kafka client (consumer.Client)"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("hook: Config.Timeout is %v: set it positive, or 0 for %v", c.Timeout, DefaultTimeout))
	}
	if c.RotationOverlap < 0 {
		errs = append(errs, fmt.Errorf("hook: Config.RotationOverlap is %v: set it positive, or 0 for %v", c.RotationOverlap, DefaultRotationOverlap))
	}
	if c.HooksTopic == c.RecipientsTopic || c.HooksTopic == c.IDsTopic || c.RecipientsTopic == c.IDsTopic {
		errs = append(errs, fmt.Errorf("hook: Config topics must differ: hooks %q, recipients %q, ids %q",
			c.HooksTopic, c.RecipientsTopic, c.IDsTopic))
	}
	return errors.Join(errs...)
}

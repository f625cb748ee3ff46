package hook

import (
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
	// "postload.hooks".
	HooksTopic string
	// RecipientsTopic holds the notification recipients (compacted, 1
	// partition). Default "postload.recipients".
	RecipientsTopic string
	// IDsTopic is the 1-partition topic whose offsets are the ids. Default
	// "postload.ids".
	IDsTopic string
	// Timeout bounds each write (a produce) and the wait for this Store to
	// apply its own write; Kafka bounds each of its requests. Default 10s.
	Timeout time.Duration
	// CheckURL, if set, is a further check of a hook URL at creation (the
	// SSRF guard: it refuses hosts inside the operator's network); an error
	// makes CreateHook fail with ErrInvalidURL. Default: none.
	CheckURL func(url string) error
	// RotationOverlap is how long after a secret rotation requests are
	// signed with the previous secret too. Default 24h.
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

// Validate says what to fix in c.
func (c Config) Validate() error {
	if c.Kafka == nil {
		return errors.New("hook: Config.Kafka is nil: set the Kafka client (consumer.Client)")
	}
	if c.Timeout < 0 {
		return fmt.Errorf("hook: Config.Timeout is %v: set it positive, or 0 for %v", c.Timeout, DefaultTimeout)
	}
	d := c.withDefaults()
	if d.HooksTopic == d.RecipientsTopic || d.HooksTopic == d.IDsTopic || d.RecipientsTopic == d.IDsTopic {
		return fmt.Errorf("hook: Config topics must differ: hooks %q, recipients %q, ids %q",
			d.HooksTopic, d.RecipientsTopic, d.IDsTopic)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.HooksTopic == "" {
		c.HooksTopic = DefaultHooksTopic
	}
	if c.RecipientsTopic == "" {
		c.RecipientsTopic = DefaultRecipientsTopic
	}
	if c.IDsTopic == "" {
		c.IDsTopic = DefaultIDsTopic
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RotationOverlap == 0 {
		c.RotationOverlap = DefaultRotationOverlap
	}
	return c
}

package dlq

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Config says where the dead letters, the retry tier and the replay markers
// are, and the Kafka client that reads and writes them. The zero value of
// every field but Kafka stands for its default.
type Config struct {
	// Kafka reads and writes the topics (consumer.Client). Required.
	Kafka Kafka
	// DLQTopic holds the dead letters. Default DefaultDLQTopic
	// ("postload.dlq").
	DLQTopic string
	// RetryTopic is the first retry tier, where a replayed dead letter goes
	// as a fresh delivery. Default DefaultRetryTopic ("postload.retry.1").
	RetryTopic string
	// ReplayedTopic holds one replay marker per replayed dead letter
	// (key = the dead letter's id). Replay creates it when it is missing: a
	// compacted topic of one partition. Default DefaultReplayedTopic
	// ("postload.replayed").
	ReplayedTopic string
	// Timeout bounds each network call (a metadata or offsets request, one
	// fetch, one publish). Default DefaultTimeout (10s).
	Timeout time.Duration
	// Log receives malformed records, Kafka reader errors and the API's
	// failures. Default: none.
	Log *zap.Logger
}

// Defaults of Config.
const (
	DefaultDLQTopic      = "postload.dlq"
	DefaultRetryTopic    = "postload.retry.1"
	DefaultReplayedTopic = "postload.replayed"
	DefaultTimeout       = 10 * time.Second
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.DLQTopic = cmp.Or(c.DLQTopic, DefaultDLQTopic)
	c.RetryTopic = cmp.Or(c.RetryTopic, DefaultRetryTopic)
	c.ReplayedTopic = cmp.Or(c.ReplayedTopic, DefaultReplayedTopic)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Kafka == nil {
		errs = append(errs, errors.New("dlq: no Kafka client: set Config.Kafka (consumer.Client)"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("dlq: timeout %v: give a positive duration", c.Timeout))
	}
	topics := map[string]string{}
	for _, t := range [][2]string{{"DLQ", c.DLQTopic}, {"retry", c.RetryTopic}, {"replayed", c.ReplayedTopic}} {
		if other, dup := topics[t[1]]; dup {
			errs = append(errs, fmt.Errorf("dlq: the %s and %s topics are both %q: give each its own topic", other, t[0], t[1]))
		}
		topics[t[1]] = t[0]
	}
	return errors.Join(errs...)
}

// prepare returns c with its defaults, or what to fix in it: what every
// entry point of the package does first.
func (c Config) prepare() (Config, error) {
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c.withDefaults(), nil
}

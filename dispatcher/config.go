package dispatcher

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// Config configures a Dispatcher. The zero value of each field stands for
// its default.
type Config struct {
	// InvalidTopic receives malformed messages. Default
	// DefaultInvalidTopic ("postload.invalid").
	InvalidTopic string
	// RetryTopics are the delay tiers, one per retry: a delivery whose
	// attempt n failed goes to RetryTopics[n-1]. Default
	// RetryTopicNames("", len(RetryDelays)): postload.retry.1..5.
	RetryTopics []string
	// RetryDelays are the tiers' delays, as many as RetryTopics and at
	// most MaxRetries. Default DefaultRetryDelays (30s, 2m, 10m, 30m, 1h).
	RetryDelays []time.Duration
	// DLQTopic receives dead letters. Default DefaultDLQTopic
	// ("postload.dlq").
	DLQTopic string
	// Endpoints configures the circuit breaker and concurrency cap per hook
	// URL; its zero fields stand for their defaults too.
	Endpoints EndpointConfig
	// MaxEventBytes is the largest load event accepted; a larger one goes to
	// the invalid topic. Every record written about an event carries it,
	// so records take up to RecordBytes(MaxEventBytes): the Publisher and
	// the topics must take that. From MinEventBytes (1 KiB) to
	// MaxEventBytes (32 MiB); default DefaultMaxEventBytes (4 MiB).
	MaxEventBytes int
	// NoGroups hands every refused delivery on as a record of its own, as
	// versions before group records did (see grouper). Group records are
	// read either way; set it before rolling back to such a version, which
	// would put them on the invalid topic, and wait out the tiers. Default
	// off: refused deliveries are grouped.
	NoGroups bool
	// PublishTimeout bounds one publish to Kafka. Default
	// DefaultPublishTimeout (10s).
	PublishTimeout time.Duration
	// Log receives delivery lines. Default: none.
	Log *zap.Logger
	// Observer is told of every attempt, dead letter and invalid message
	// (metrics). Default: none.
	Observer Observer
	// Traces, if set, lets the handling of a message that a crashed worker
	// may have handled in part (Progress.Suspect) find the retry records
	// and dead letters it wrote, so that a delivery is not handed on twice.
	// Default: none (such a delivery is attempted again).
	Traces Traces
	// AttemptLog, if set, is told of every attempt that counts (delivered,
	// failed, skipped by the breaker; see attemptlog.go). Default: none.
	AttemptLog AttemptLog
}

// Defaults of Config.
const (
	DefaultInvalidTopic   = "postload.invalid"
	DefaultDLQTopic       = "postload.dlq"
	DefaultPublishTimeout = 10 * time.Second
)

// DefaultRetryDelays are the contract's tiers: 5 retries, so 6 attempts.
var DefaultRetryDelays = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}

// MaxRetries is the most retry tiers: a retry record holds at most
// schema.MaxAttempts attempts, the first and one per tier.
const MaxRetries = schema.MaxAttempts - 1

// Observer is told what the dispatcher does, for metrics. Its methods are
// called concurrently and must not block.
type Observer interface {
	Attempted(outcome string, attempt int, d time.Duration)
	DeadLettered(reason string)
	Invalid(topic string)
}

type nopObserver struct{}

func (nopObserver) Attempted(string, int, time.Duration) {}
func (nopObserver) DeadLettered(string)                  {}
func (nopObserver) Invalid(string)                       {}

// RetryTopicNames returns prefix + "postload.retry.N" for N = 1..n.
func RetryTopicNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%spostload.retry.%d", prefix, i+1)
	}
	return out
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.InvalidTopic = cmp.Or(c.InvalidTopic, DefaultInvalidTopic)
	c.DLQTopic = cmp.Or(c.DLQTopic, DefaultDLQTopic)
	if c.RetryDelays == nil {
		c.RetryDelays = DefaultRetryDelays
	}
	if c.RetryTopics == nil {
		c.RetryTopics = RetryTopicNames("", len(c.RetryDelays))
	}
	c.MaxEventBytes = cmp.Or(c.MaxEventBytes, DefaultMaxEventBytes)
	c.PublishTimeout = cmp.Or(c.PublishTimeout, DefaultPublishTimeout)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	c.Observer = cmp.Or[Observer](c.Observer, nopObserver{})
	c.Endpoints = c.Endpoints.withDefaults()
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.RetryTopics) != len(c.RetryDelays) {
		errs = append(errs, fmt.Errorf("%d retry topics for %d retry delays: give one topic per delay", len(c.RetryTopics), len(c.RetryDelays)))
	}
	if len(c.RetryDelays) > MaxRetries {
		errs = append(errs, fmt.Errorf("%d retry delays: give at most %d (a delivery has at most %d attempts)", len(c.RetryDelays), MaxRetries, schema.MaxAttempts))
	}
	for i, d := range c.RetryDelays {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("retry delay %d is %v: delays must be positive", i+1, d))
		}
	}
	if err := c.Endpoints.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxEventBytes < MinEventBytes || c.MaxEventBytes > MaxEventBytes {
		errs = append(errs, fmt.Errorf("give %d (1 KiB) to %d (32 MiB) as the largest event's size in bytes, not %d", MinEventBytes, MaxEventBytes, c.MaxEventBytes))
	}
	if c.PublishTimeout < 0 {
		errs = append(errs, errors.New("publish timeout must not be negative"))
	}
	return errors.Join(errs...)
}

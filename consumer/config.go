package consumer

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// GroupConfig configures a Group. The zero value of a field not marked
// required stands for its default.
type GroupConfig struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string
	// GroupID is the consumer group id. Required.
	GroupID string
	// Topics are the topics consumed. Required.
	Topics []string
	// MaxInFlightPerPartition bounds the unfinished messages of one
	// partition. Default DefaultMaxInFlightPerPartition (256).
	MaxInFlightPerPartition int
	// MaxInFlight bounds the unfinished messages of the whole group in this
	// process. Default DefaultMaxInFlight (1024).
	MaxInFlight int
	// DrainTimeout is how long in-flight handlers may run after a shutdown
	// or rebalance before their context is cancelled. It must stay below
	// SessionTimeout, or a draining member is evicted from its group.
	// Default DefaultDrainTimeout (15s).
	DrainTimeout time.Duration
	// CommitInterval is the longest a finished offset waits before it is
	// committed. Default DefaultCommitInterval (100ms).
	CommitInterval time.Duration
	// MaxFetchBytes bounds one fetch of one partition. Default
	// DefaultMaxFetchBytes (1 MiB).
	MaxFetchBytes int
	// SessionTimeout is the group session timeout: how soon the partitions
	// of a member that died move to the others. Default
	// DefaultSessionTimeout (30s).
	SessionTimeout time.Duration
	// Gate, if set, is called before each message is handled (see GateFunc).
	Gate GateFunc
	// Log receives the group's log lines. Default: no logging.
	Log *zap.Logger
}

// Defaults of GroupConfig.
const (
	DefaultMaxInFlightPerPartition = 256
	DefaultMaxInFlight             = 1024
	DefaultDrainTimeout            = 15 * time.Second
	DefaultCommitInterval          = 100 * time.Millisecond
	DefaultMaxFetchBytes           = 1 << 20
	DefaultSessionTimeout          = 30 * time.Second
)

// withDefaults returns c with every zero field set to its default.
func (c GroupConfig) withDefaults() GroupConfig {
	c.MaxInFlightPerPartition = cmp.Or(c.MaxInFlightPerPartition, DefaultMaxInFlightPerPartition)
	c.MaxInFlight = cmp.Or(c.MaxInFlight, DefaultMaxInFlight)
	c.DrainTimeout = cmp.Or(c.DrainTimeout, DefaultDrainTimeout)
	c.CommitInterval = cmp.Or(c.CommitInterval, DefaultCommitInterval)
	c.MaxFetchBytes = cmp.Or(c.MaxFetchBytes, DefaultMaxFetchBytes)
	c.SessionTimeout = cmp.Or(c.SessionTimeout, DefaultSessionTimeout)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c GroupConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("no brokers: give at least one host:port"))
	}
	if c.GroupID == "" {
		errs = append(errs, errors.New("group id is empty"))
	}
	if len(c.Topics) == 0 {
		errs = append(errs, errors.New("no topics to consume"))
	}
	if c.MaxInFlightPerPartition < 0 || c.MaxInFlight < 0 {
		errs = append(errs, fmt.Errorf("in-flight bounds must be positive, got %d per partition and %d in all", c.MaxInFlightPerPartition, c.MaxInFlight))
	}
	if c.DrainTimeout < 0 || c.CommitInterval < 0 || c.SessionTimeout < 0 || c.MaxFetchBytes < 0 {
		errs = append(errs, errors.New("drain timeout, commit interval, session timeout and fetch size must not be negative"))
	}
	if c.DrainTimeout >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("drain timeout %v must stay below the session timeout %v, or a draining member is evicted from its group", c.DrainTimeout, c.SessionTimeout))
	}
	return errors.Join(errs...)
}

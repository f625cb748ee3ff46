package consumer

import (
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// GroupConfig configures a Group.
type GroupConfig struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string
	// GroupID is the consumer group id. Required.
	GroupID string
	// Topics are the topics consumed. Required.
	Topics []string
	// MaxInFlightPerPartition bounds the unfinished messages of one
	// partition. Default 256.
	MaxInFlightPerPartition int
	// MaxInFlight bounds the unfinished messages of the whole group in this
	// process. Default 1024.
	MaxInFlight int
	// DrainTimeout is how long in-flight handlers may run after a shutdown
	// or rebalance before their context is cancelled. Default 15s.
	DrainTimeout time.Duration
	// CommitInterval is the longest a finished offset waits before it is
	// committed. Default 100ms.
	CommitInterval time.Duration
	// MaxFetchBytes bounds one fetch of one partition. Default 1 MiB.
	MaxFetchBytes int
	// SessionTimeout is the group session timeout. Default 30s.
	SessionTimeout time.Duration
	// Gate, if set, is called before each message is handled (see GateFunc).
	Gate GateFunc
	// Log receives the group's log lines. Default: no logging.
	Log *zap.Logger
}

func (c *GroupConfig) setDefaults() {
	if c.MaxInFlightPerPartition == 0 {
		c.MaxInFlightPerPartition = 256
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 1024
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = 15 * time.Second
	}
	if c.CommitInterval == 0 {
		c.CommitInterval = 100 * time.Millisecond
	}
	if c.MaxFetchBytes == 0 {
		c.MaxFetchBytes = 1 << 20
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
}

// Validate reports what to fix in c.
func (c *GroupConfig) Validate() error {
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
	if c.DrainTimeout < 0 || c.CommitInterval < 0 {
		errs = append(errs, errors.New("drain timeout and commit interval must not be negative"))
	}
	return errors.Join(errs...)
}

package consumer

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string
	// Timeout bounds each request to the brokers; a dial takes at most
	// 5 s of it. Default DefaultClientTimeout (10s).
	Timeout time.Duration
	// MaxWait is how long one fetch waits for records that are not there
	// yet: how late Follow passes a record on after it was appended (plus
	// a round trip). At most 1s. Default DefaultMaxWait (250ms).
	MaxWait time.Duration
	// FollowMinBytes is how many bytes of records one fetch of Follow
	// waits for, up to MaxWait: fewer, larger fetches of a busy partition
	// (for the client and the broker), for a record passed on up to
	// MaxWait after it was appended when the partition is quiet. Default
	// 1: a record is passed on as soon as it is appended.
	FollowMinBytes int
	// Log receives kafka-go's error lines and the retries of Follow and
	// OwnPartitions. Default: no logging.
	Log *zap.Logger
}

// Defaults of ClientConfig.
const (
	DefaultClientTimeout = 10 * time.Second
	DefaultMaxWait       = 250 * time.Millisecond
)

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c ClientConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("consumer: no brokers: give at least one host:port"))
	}
	for i, b := range c.Brokers {
		if b == "" {
			errs = append(errs, fmt.Errorf("consumer: broker %d is empty: give host:port", i))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("consumer: Timeout is %v: set it positive, or 0 for %v", c.Timeout, DefaultClientTimeout))
	}
	if c.MaxWait < 0 || c.MaxWait > time.Second {
		errs = append(errs, fmt.Errorf("consumer: MaxWait is %v: set it between 0 (default %v) and 1s", c.MaxWait, DefaultMaxWait))
	}
	if c.FollowMinBytes < 0 || c.FollowMinBytes > fetchBytes {
		errs = append(errs, fmt.Errorf("consumer: FollowMinBytes is %d: set it between 0 (default 1) and %d", c.FollowMinBytes, fetchBytes))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with every zero field set to its default.
func (c ClientConfig) withDefaults() ClientConfig {
	c.Timeout = cmp.Or(c.Timeout, DefaultClientTimeout)
	c.MaxWait = cmp.Or(c.MaxWait, DefaultMaxWait)
	c.FollowMinBytes = cmp.Or(c.FollowMinBytes, 1)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Client is postload's Kafka client for everything but a Group's own
// fetching: offsets and spans of partitions, topic creation, reading a
// range of a partition, following a partition, appending a batch to one,
// and consumer groups whose member owns its partitions whole
// (OwnPartitions). Its methods take and give only standard types, so
// that a package can name what it uses in an interface of its own
// without importing this one. Safe for concurrent use; Close it when
// done.
type Client struct {
	cfg       ClientConfig
	cl        *kafka.Client
	transport *kafka.Transport // its own, so Close leaves no connection behind
}

// NewClient checks cfg and returns a Client; it touches the network only
// when a method is called.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newClient(cfg), nil
}

// newClient is NewClient for a config known to be valid.
func newClient(cfg ClientConfig) *Client {
	cfg = cfg.withDefaults()
	t := &kafka.Transport{DialTimeout: min(cfg.Timeout, 5*time.Second), IdleTimeout: 30 * time.Second}
	return &Client{cfg: cfg, transport: t, cl: &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: cfg.Timeout, Transport: t}}
}

// Close closes the connections.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// reader is the one configuration of a reader that follows a partition:
// a fetch of up to fetchBytes (the broker may exceed it by one record
// batch: a larger one is returned whole) waits up to MaxWait for
// FollowMinBytes, and a few
// records are read ahead (records can be large: a dead letter carries its
// event).
func (c *Client) reader(topic string, partition int, log *zap.Logger) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:         c.cfg.Brokers,
		Topic:           topic,
		Partition:       partition,
		MinBytes:        c.cfg.FollowMinBytes,
		MaxBytes:        fetchBytes,
		MaxWait:         c.cfg.MaxWait,
		QueueCapacity:   16,
		ReadLagInterval: -1,
		Dialer:          &kafka.Dialer{Timeout: c.cfg.Timeout},
		ErrorLogger:     kafkaLogger(log),
	})
}

// fetchBytes bounds one fetch of a Client.
const fetchBytes = 1 << 20

// MissingTopicError is a topic the brokers do not have. Its Missing method
// tells it to callers that do not import this package.
type MissingTopicError struct {
	Topic string
}

func (e *MissingTopicError) Error() string {
	return fmt.Sprintf("topic %s: %v", e.Topic, kafka.UnknownTopicOrPartition)
}

// Missing is true: the topic does not exist.
func (e *MissingTopicError) Missing() bool { return true }

// Unwrap makes errors.Is(err, kafka.UnknownTopicOrPartition) hold.
func (e *MissingTopicError) Unwrap() error { return kafka.UnknownTopicOrPartition }

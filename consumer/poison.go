package consumer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/schema"
)

// PoisonConfig configures a Poison.
type PoisonConfig struct {
	// Topic receives the poison messages' records (postload.invalid).
	// Required.
	Topic string
	// Sentinel marks a poison message: a handler error that wraps it.
	// Default schema.ErrInvalid.
	Sentinel error
	// MaxRecordBytes is the largest record the Publisher takes: a record
	// that would be larger has its value cut to fit (schema.PutInvalid).
	// Required.
	MaxRecordBytes int
	// PublishTimeout bounds one publish. Default DefaultPublishTimeout
	// (10s).
	PublishTimeout time.Duration
	// Counted, if set, is called with the source topic of each message
	// put on Topic.
	Counted func(topic string)
	// Log receives a line for each poison message. Default: no logging.
	Log *zap.Logger
}

// DefaultPublishTimeout is PoisonConfig.PublishTimeout's default.
const DefaultPublishTimeout = 10 * time.Second

// withDefaults returns c with every zero field set to its default.
func (c PoisonConfig) withDefaults() PoisonConfig {
	c.Sentinel = cmp.Or(c.Sentinel, schema.ErrInvalid)
	c.PublishTimeout = cmp.Or(c.PublishTimeout, DefaultPublishTimeout)
	if c.Counted == nil {
		c.Counted = func(string) {}
	}
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c PoisonConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Topic == "" {
		errs = append(errs, errors.New("poison: no topic for the invalid messages"))
	}
	if c.MaxRecordBytes <= 0 {
		errs = append(errs, fmt.Errorf("poison: the largest record must be positive, got %d", c.MaxRecordBytes))
	}
	if c.PublishTimeout < 0 {
		errs = append(errs, errors.New("poison: publish timeout must not be negative"))
	}
	return errors.Join(errs...)
}

// Publisher writes one record to a topic and returns once Kafka has it;
// *Writer is one.
type Publisher interface {
	Publish(ctx context.Context, topic string, key, value []byte) error
}

// Poison puts the messages a handler cannot take (poison: their error
// wraps the Sentinel) on the invalid topic, in the schema.Invalid format,
// with the reason, where they came from and their original bytes, so that
// they do not stop their partition (as watermill's poison queue
// middleware). Safe for concurrent use.
type Poison struct {
	cfg PoisonConfig
	pub Publisher
	now func() time.Time
}

// NewPoison checks cfg and returns a Poison writing to pub.
func NewPoison(cfg PoisonConfig, pub Publisher) (*Poison, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Poison{cfg: cfg, pub: pub, now: time.Now}, nil
}

// Wrap returns a handler that calls h and, when h's error wraps the
// Sentinel, puts the message on the invalid topic (Publish) and finishes
// it: it returns Publish's error, nil once the record is in Kafka. Other
// errors are h's.
func (p *Poison) Wrap(h Handler) HandlerFunc {
	return HandlerFunc(func(ctx context.Context, m Message) error {
		err := h.Handle(ctx, m)
		if err == nil || !errors.Is(err, p.cfg.Sentinel) {
			return err
		}
		return p.Publish(ctx, m, err)
	})
}

// Publish puts m on the invalid topic with reason's text, under its key
// (the first 1 KiB), cut to fit MaxRecordBytes: an invalid message never
// stops its partition for its size.
func (p *Poison) Publish(ctx context.Context, m Message, reason error) error {
	log := p.cfg.Log.With(zap.String("topic", m.Topic), zap.Int("partition", m.Partition), zap.Int64("offset", m.Offset))
	rec := schema.NewInvalid(reason.Error(), m.Topic, m.Partition, m.Offset, m.Key, m.Value, p.now())
	kept, err := schema.PutInvalid(rec, p.cfg.MaxRecordBytes, func(b []byte, kept int) error {
		pctx, cancel := context.WithTimeout(ctx, p.cfg.PublishTimeout)
		defer cancel()
		err := p.pub.Publish(pctx, p.cfg.Topic, rec.Key, b)
		if kept > 0 && errors.As(err, new(*TooLargeError)) {
			log.Warn("invalid record refused as too large; cutting its value further", zap.Int("record_bytes", len(b)), zap.Error(err))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("publishing an invalid message to %s: %w", p.cfg.Topic, err)
	}
	p.cfg.Counted(m.Topic)
	log.Warn("invalid message", zap.String("reason", rec.Reason), zap.Int("value_bytes", len(m.Value)), zap.Int("value_kept", kept))
	return nil
}

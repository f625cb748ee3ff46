package embedded

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
)

// Topic is a topic the Trimmer applies retention to, with the consumer
// groups that read it.
type Topic struct {
	Name   string
	Groups []string
}

// OffsetFinder finds the first offset of a partition whose record's
// timestamp is at or after t; found is false when every record is older.
// consumer.Client is one.
type OffsetFinder interface {
	After(ctx context.Context, topic string, partition int, t time.Time) (offset int64, found bool, err error)
}

// TrimConfig configures a Trimmer.
type TrimConfig struct {
	// Topics are the topics trimmed, each with the groups that read it.
	// Required.
	Topics []Topic
	// Retention: records older than this (by their timestamp) are deleted
	// once read. Required.
	Retention time.Duration
	// RetentionBytes: while a partition holds more bytes than this, its
	// oldest records are deleted once read. Default: no size bound (serve
	// gives DefaultRetentionBytes).
	RetentionBytes int64
	// Interval is the time between two passes. Default DefaultInterval
	// (1m).
	Interval time.Duration
	// Offsets finds the offsets older than Retention. Required.
	Offsets OffsetFinder
	// Log receives what is deleted (debug) and what is kept past the
	// bounds (warn). Default: no logging.
	Log *zap.Logger
}

// withDefaults returns c with every zero field set to its default.
func (c TrimConfig) withDefaults() TrimConfig {
	c.Interval = cmp.Or(c.Interval, DefaultInterval)
	c.Log = cmp.Or(c.Log, zap.NewNop())
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c TrimConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.Topics) == 0 {
		errs = append(errs, errors.New("no topics to trim"))
	}
	for _, t := range c.Topics {
		if t.Name == "" || len(t.Groups) == 0 {
			errs = append(errs, fmt.Errorf("topic %q: give its name and the groups that read it", t.Name))
		}
	}
	if c.Retention <= 0 || c.RetentionBytes < 0 || c.Interval < 0 {
		errs = append(errs, errors.New("retention must be positive, the size bound and interval not negative"))
	}
	if c.Offsets == nil {
		errs = append(errs, errors.New("no offset finder"))
	}
	return errors.Join(errs...)
}

// Trimmer deletes the records of its topics that every group reading them
// has committed past and that are older than Retention or, counted from
// the newest, beyond RetentionBytes.
type Trimmer struct {
	c    *kfake.Cluster
	cfg  TrimConfig
	held map[partitionKey]bool // kept past the bounds, unread, as of the last pass
}

type partitionKey struct {
	topic     string
	partition int32
}

// NewTrimmer returns a Trimmer of c's topics; Run starts it.
func NewTrimmer(c *kfake.Cluster, cfg TrimConfig) (*Trimmer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Trimmer{c: c, cfg: cfg, held: map[partitionKey]bool{}}, nil
}

// Run trims at once and then every Interval until ctx is done; it returns
// nil then.
func (t *Trimmer) Run(ctx context.Context) error {
	tick := time.NewTicker(t.cfg.Interval)
	defer tick.Stop()
	for {
		t.pass(ctx)
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}

// pass trims every partition of every topic once.
func (t *Trimmer) pass(ctx context.Context) {
	for _, topic := range t.cfg.Topics {
		read := t.readBy(topic)
		for _, p := range t.c.PartitionInfos(topic.Name) {
			if ctx.Err() != nil {
				return
			}
			t.trim(ctx, topic, p, read)
		}
	}
}

// readBy returns, by partition, the lowest offset every group of topic has
// committed; a partition on which one of them has committed nothing is
// missing.
func (t *Trimmer) readBy(topic Topic) map[int32]int64 {
	var out map[int32]int64
	for _, g := range topic.Groups {
		commits := map[int32]int64{}
		if info := t.c.GroupInfo(g); info != nil {
			for p, c := range info.Commits[topic.Name] {
				if c.Offset >= 0 {
					commits[p] = c.Offset
				}
			}
		}
		if out == nil {
			out = commits
			continue
		}
		for p, o := range out {
			c, ok := commits[p]
			if !ok {
				delete(out, p)
				continue
			}
			out[p] = min(o, c)
		}
	}
	return out
}

func (t *Trimmer) trim(ctx context.Context, topic Topic, p *kfake.PartitionInfo, read map[int32]int64) {
	if p.HighWatermark <= p.LogStartOffset {
		return
	}
	log := t.cfg.Log.With(zap.String("topic", topic.Name), zap.Int32("partition", p.Partition))
	past, err := t.pastBounds(ctx, topic.Name, p)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("cannot tell which records are past --retention: trimming by size only", zap.Error(err))
		}
	}
	upTo, committed := read[p.Partition]
	if !committed {
		upTo = p.LogStartOffset
	}
	key := partitionKey{topic.Name, p.Partition}
	switch held := past > upTo; {
	case held && !t.held[key]:
		log.Warn("records past --retention or --retention-bytes are kept: the consumer groups have not read them yet",
			zap.Int64("records", past-upTo), zap.Int64("from", upTo), zap.Strings("groups", topic.Groups), zap.Bool("every_group_committed", committed))
		t.held[key] = true
	case !held && t.held[key]:
		log.Info("the records kept past the retention bounds have been read")
		delete(t.held, key)
	}
	to := min(past, upTo)
	if to <= p.LogStartOffset {
		return
	}
	if err := t.c.DeleteRecords(topic.Name, p.Partition, to); err != nil {
		log.Warn("deleting records", zap.Int64("below", to), zap.Error(err))
		return
	}
	log.Debug("deleted records read by every group and past the retention bounds", zap.Int64("from", p.LogStartOffset), zap.Int64("below", to))
}

// pastBounds returns the offset below which the partition's records are
// older than Retention or beyond RetentionBytes. The size is counted in
// records at the partition's average record size (kfake tells the bytes
// of the partition, not of each record). On an error the age is left out.
func (t *Trimmer) pastBounds(ctx context.Context, topic string, p *kfake.PartitionInfo) (int64, error) {
	past := p.LogStartOffset
	if b := t.cfg.RetentionBytes; b > 0 && p.NumBytes > b {
		records := p.HighWatermark - p.LogStartOffset
		n := int64(math.Ceil(float64(p.NumBytes-b) / float64(p.NumBytes) * float64(records)))
		past = max(past, p.LogStartOffset+n)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	off, found, err := t.cfg.Offsets.After(ctx, topic, int(p.Partition), time.Now().Add(-t.cfg.Retention))
	switch {
	case err != nil:
	case !found:
		past = p.HighWatermark
	default:
		past = max(past, off)
	}
	return min(past, p.HighWatermark), err
}

package consumer

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/postload/postload/internal/clock"
	"github.com/postload/postload/internal/workers"
)

// Group consumes its topics as one member of a Kafka consumer group. Each
// assigned partition gets a worker (partition) that fetches in order, hands
// messages to the handler concurrently on the group's workers, and commits
// the partition's watermark.
type Group struct {
	cfg       GroupConfig
	handler   Handler
	slots     *slots        // group-wide in-flight bound
	workers   *workers.Pool // run the handlers of every partition
	stats     *Stats
	client    *kafka.Client // commits with metadata, reads them back
	offsets   *Client       // log starts, for records deleted unread
	clock     clock.Clock
	transport *kafka.Transport
}

// NewGroup checks cfg and returns a Group; Run starts it.
func NewGroup(cfg GroupConfig, h Handler) (*Group, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	tr := &kafka.Transport{DialTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	return &Group{
		cfg:       cfg,
		handler:   h,
		slots:     newSlots(cfg.MaxInFlight),
		workers:   workers.New(cfg.MaxInFlight),
		stats:     newStats(),
		client:    &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: commitTimeout, Transport: tr},
		offsets:   newClient(ClientConfig{Brokers: cfg.Brokers}),
		clock:     clock.System{},
		transport: tr,
	}, nil
}

// Stats returns the group's live counters.
func (g *Group) Stats() *Stats { return g.stats }

// Run joins the group and processes assigned partitions until ctx is done,
// then drains, commits, leaves the group, and returns nil. It returns only
// after every goroutine it started has exited. Call it once.
func (g *Group) Run(ctx context.Context) error {
	defer func() {
		g.workers.Close() // every partition has drained: idle workers only
		g.offsets.Close()
		g.transport.CloseIdleConnections()
	}()
	log := g.cfg.Log.With(zap.String("group", g.cfg.GroupID))
	cfg := groupConfig(g.cfg.GroupID, g.cfg.Brokers, g.cfg.Topics, g.cfg.SessionTimeout, g.cfg.DrainTimeout+15*time.Second, 10*time.Second, g.cfg.Log)
	return generations(ctx, cfg, log, func(gen *kafka.Generation) {
		log.Info("joined consumer group", zap.Int32("generation", gen.ID), zap.Any("assignments", assigned(gen)))
		for topic, parts := range gen.Assignments {
			for _, a := range parts {
				gen.Start(g.newPartition(gen, topic, a).run)
			}
		}
	})
}

func assigned(gen *kafka.Generation) map[string][]int {
	out := make(map[string][]int, len(gen.Assignments))
	for t, parts := range gen.Assignments {
		for _, p := range parts {
			out[t] = append(out[t], p.ID)
		}
	}
	return out
}

// kafkaLogger routes kafka-go's error lines to zap.
func kafkaLogger(l *zap.Logger) kafka.Logger {
	s := l.Sugar()
	return kafka.LoggerFunc(func(format string, args ...any) { s.Warnf(format, args...) })
}

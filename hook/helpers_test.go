package hook

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/kafkatest"
)

var _ Kafka = (*consumer.Client)(nil)

// Accounts of the tests.
const (
	clientA = 116078
	clientB = 200002
)

// newCluster starts kfake with the registry's topics.
func newCluster(tb testing.TB) *kafkatest.Cluster {
	tb.Helper()
	c := kafkatest.NewCluster(tb)
	for _, topic := range []string{DefaultHooksTopic, DefaultRecipientsTopic, DefaultIDsTopic} {
		c.CreateTopic(tb, topic, 1, true)
	}
	return c
}

// startStore runs a Store on c until stop is called or the test ends, and
// waits until it is ready. now, if set, is its clock.
func startStore(tb testing.TB, c *kafkatest.Cluster, now func() time.Time, cfg Config) (*Store, func()) {
	tb.Helper()
	cfg.Kafka = mustKafka(tb, c)
	s, err := NewStore(cfg, zaptest.NewLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	if now != nil {
		s.SetClock(now)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	tb.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.Wait(wctx); err != nil {
		tb.Fatalf("store not ready: %v", err)
	}
	return s, stop
}

// mustKafka is the Kafka client of the production wiring, on c.
func mustKafka(tb testing.TB, c *kafkatest.Cluster) *consumer.Client {
	tb.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{c.Addr}, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// Package kafkatest starts an in-process Kafka-protocol broker (kfake) on a
// loopback port for tests, reached over TCP by real clients.
package kafkatest

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Cluster is a running kfake broker.
type Cluster struct {
	*kfake.Cluster
	// Addr is the broker's host:port.
	Addr string
}

// NewCluster starts a one-broker cluster on 127.0.0.1 with a free port and
// closes it when the test ends. opts are passed to kfake.
func NewCluster(tb testing.TB, opts ...kfake.Opt) *Cluster {
	tb.Helper()
	base := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(0)}
	c, err := kfake.NewCluster(append(base, opts...)...)
	if err != nil {
		tb.Fatalf("start kfake: %v", err)
	}
	tb.Cleanup(c.Close)
	return &Cluster{Cluster: c, Addr: c.ListenAddrs()[0]}
}

// CreateTopic creates a topic with the given partitions; compact makes it a
// compacted topic.
func (c *Cluster) CreateTopic(tb testing.TB, name string, partitions int, compact bool) {
	tb.Helper()
	cfg := kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1}
	if compact {
		cfg.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
	}
	t := &kafka.Transport{}
	defer t.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(c.Addr), Timeout: 10 * time.Second, Transport: t}
	resp, err := cl.CreateTopics(context.Background(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{cfg}})
	if err != nil {
		tb.Fatalf("create topic %s: %v", name, err)
	}
	if err := resp.Errors[name]; err != nil {
		tb.Fatalf("create topic %s: %v", name, err)
	}
}

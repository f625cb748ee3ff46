package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startEmbedded starts the in-process Kafka-protocol broker on addr,
// persisting under dataDir/kafka. Any Kafka client can reach it.
func startEmbedded(addr, dataDir string) (*kfake.Cluster, error) {
	dir := filepath.Join(dataDir, "kafka")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the embedded broker's data dir: %w", err)
	}
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			ln, err := net.Listen(network, addr)
			if err != nil {
				return nil, fmt.Errorf("embedded broker cannot listen on %s (is another broker there? set --embedded-addr or --brokers): %w", addr, err)
			}
			return ln, nil
		}),
		kfake.DataDir(dir),
		kfake.BrokerConfigs(map[string]string{
			// Apply retention every minute (default: hourly).
			"log.cleaner.backoff.ms": "60000",
		}),
	)
	if err != nil {
		return nil, err
	}
	return c, nil
}

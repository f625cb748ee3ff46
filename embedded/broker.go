package embedded

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Config configures the broker.
type Config struct {
	// Addr is where the broker listens, host:port. Required.
	Addr string
	// DataDir is the directory whose kafka subdirectory holds the broker's
	// data. Required.
	DataDir string
	// CleanerInterval is how often the broker compacts and applies the
	// retention of topics that set one. Default DefaultInterval.
	CleanerInterval time.Duration
}

// DefaultInterval is how often retention is applied, by the broker's
// cleaner and by a Trimmer, unless set.
const DefaultInterval = time.Minute

// segmentBytes is the size of the broker's segment files. On start kfake
// reads each partition's segments one whole file at a time, all partitions
// at once: with 1 GB of records waiting on 4 partitions its peak RSS was
// 836 MB with kfake's default of 100 MiB and 120 MB with 8 MiB. A read
// segment's file goes only once every record in it is deleted.
const segmentBytes = 8 << 20

// Start starts the broker, persisting under DataDir/kafka. Any Kafka client
// can reach it. Close it when done.
func Start(cfg Config) (*kfake.Cluster, error) {
	if cfg.Addr == "" || cfg.DataDir == "" {
		return nil, errors.New("embedded broker: give an address and a data dir")
	}
	dir := filepath.Join(cfg.DataDir, "kafka")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the embedded broker's data dir: %w", err)
	}
	return kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			ln, err := net.Listen(network, cfg.Addr)
			if err != nil {
				return nil, fmt.Errorf("embedded broker cannot listen on %s (is another broker there? set --embedded-addr or --brokers): %w", cfg.Addr, err)
			}
			return ln, nil
		}),
		kfake.DataDir(dir),
		kfake.BrokerConfigs(map[string]string{
			// Apply compaction and the retention of topics that set it
			// every minute (kfake's default: hourly).
			"log.cleaner.backoff.ms": strconv.FormatInt(cmp.Or(cfg.CleanerInterval, DefaultInterval).Milliseconds(), 10),
			// No deletion by age or size unless a topic sets it: kfake
			// applies the broker's retention.ms (7 days by default) to
			// compacted topics too, which would delete the registry's hooks
			// that have not changed for a week.
			"log.retention.ms":    "-1",
			"log.retention.bytes": "-1",
			"log.segment.bytes":   strconv.Itoa(segmentBytes),
		}),
	)
}

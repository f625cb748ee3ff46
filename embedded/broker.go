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

// Config configures the broker. The zero value of a field not marked
// required stands for its default.
type Config struct {
	// Addr is where the broker listens, host:port. Default DefaultAddr
	// ("127.0.0.1:9092").
	Addr string
	// DataDir is the directory whose kafka subdirectory holds the broker's
	// data. Required.
	DataDir string
	// CleanerInterval is how often the broker compacts and applies the
	// retention of topics that set one. Default DefaultInterval (1m).
	CleanerInterval time.Duration
}

// Defaults of Config and TrimConfig.
const (
	DefaultAddr = "127.0.0.1:9092"
	// DefaultInterval is how often retention is applied, by the broker's
	// cleaner and by a Trimmer.
	DefaultInterval = time.Minute
	// DefaultRetentionBytes is the size bound per partition of the data
	// topics of the embedded broker when none is given (TrimConfig's
	// RetentionBytes, which postload sets to it): the records already
	// read that a partition keeps, for listing and replaying dead letters
	// mostly. They are on disk (the broker's memory holds about 100 bytes
	// per record batch): at most 64 MiB and one segment per partition.
	// Unread records are kept past it.
	DefaultRetentionBytes = 64 << 20
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.Addr = cmp.Or(c.Addr, DefaultAddr)
	c.CleanerInterval = cmp.Or(c.CleanerInterval, DefaultInterval)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("embedded broker: address %q is not host:port", c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("embedded broker: give a data dir"))
	}
	if c.CleanerInterval < 0 {
		errs = append(errs, fmt.Errorf("embedded broker: cleaner interval %v: give a positive duration, or 0 for %v", c.CleanerInterval, DefaultInterval))
	}
	return errors.Join(errs...)
}

// segmentBytes is the size of the broker's segment files. On start kfake
// reads each partition's segments one whole file at a time, all partitions
// at once, so its peak memory follows the segment size: kfake's default of
// 100 MiB took several times what 8 MiB does (figures: README.md,
// Operations, "Retention and lost records"). A read segment's file goes
// only once every record in it is deleted.
const segmentBytes = 8 << 20

// Start starts the broker, persisting under DataDir/kafka. Any Kafka client
// can reach it. Close it when done.
func Start(cfg Config) (*kfake.Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
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
			"log.cleaner.backoff.ms": strconv.FormatInt(cfg.CleanerInterval.Milliseconds(), 10),
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

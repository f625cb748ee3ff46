package bench

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/postload/postload/dispatcher"
)

// Scenario names, in the order they run.
var Scenarios = []string{"throughput", "deliverylog", "latency", "isolation", "retry", "backlog", "crash"}

// Config sizes the scenarios.
type Config struct {
	// Binary is the postload executable under test. Required.
	Binary string
	// Harness is the executable that runs the bench's broker and ceiling
	// client (`postload bench broker`, `postload bench client`). Required.
	Harness string
	// WireDeliveries are each throughput run's deliveries (pre-loaded as
	// events of the run's hooks). Default DefaultWireDeliveries (200000).
	WireDeliveries int
	// Sweep are the plain client's concurrencies tried for the ceiling.
	// Default DefaultSweep (16, 32, 64, 128, 256).
	Sweep []int
	// WireLatency is how long each throughput run then produces at half
	// its rate, for p50/p99. Default DefaultWireLatency (10s).
	WireLatency time.Duration
	// WireShapes, WireReceivers, WireBrokers choose the throughput runs:
	// shapes by number in Shapes (1-based), receiver kinds, broker
	// placements. Default: all.
	WireShapes    []int
	WireReceivers []string
	WireBrokers   []string
	// LogRounds are the deliverylog scenario's runs with the log on, each
	// between two with it off. Default DefaultLogRounds (7: on this
	// machine single rounds spread by ±10 %, and three are not enough).
	LogRounds int
	// LogShape is the deliverylog scenario's hook layout, by number in
	// Shapes (1-based). Default DefaultLogShape (2: 10 hooks, 1 host).
	LogShape int
	// Concurrency is postload's in-flight events (--max-in-flight); the
	// ceiling client runs Concurrency × hooks requests at once. Default
	// DefaultConcurrency (256).
	Concurrency int
	// EndpointConcurrency is postload's bulkhead (--endpoint-concurrency).
	// Default postload's, dispatcher.DefaultMaxConcurrent (32).
	EndpointConcurrency int
	// Partitions of load-completed. Default DefaultPartitions (4).
	Partitions int
	// LatencyRate, if set, is the latency scenario's events per second
	// instead of half the measured 1-hook throughput.
	LatencyRate float64
	// LatencyDuration is how long events are produced at a steady rate in
	// the latency scenario. Default DefaultLatencyDuration (30s).
	LatencyDuration time.Duration
	// IsolationEvents pre-loaded in each isolation world. Default
	// DefaultIsolationEvents (20000).
	IsolationEvents int
	// IsolationDuration is how long each isolation world produces at a
	// steady rate, in turns of IsolationTurn. Defaults
	// DefaultIsolationDuration (90s) and DefaultIsolationTurn (5s).
	IsolationDuration, IsolationTurn time.Duration
	// IsolationControl makes the black hole healthy: the isolation
	// scenario then compares two alike worlds, which measures its noise.
	IsolationControl bool
	// RetryDeliveries that fail once and pass on the retry. Default
	// DefaultRetryDeliveries (10000).
	RetryDeliveries int
	// BacklogRecords waiting for the memory scenarios. Default
	// DefaultBacklogRecords (1000000).
	BacklogRecords int
	// BacklogWatch is how long peak RSS is watched under backlog. Default
	// DefaultBacklogWatch (20s).
	BacklogWatch time.Duration
	// CrashRate is the crash scenario's events per second. Default
	// DefaultCrashRate (2500).
	CrashRate float64
	// CrashDuration is how long the crash scenario produces; one of its two
	// postload instances is killed halfway. Default DefaultCrashDuration
	// (20s).
	CrashDuration time.Duration
	// Only runs these scenarios. Default: all (Scenarios).
	Only []string
	// ServeArgs are extra flags for `postload serve`.
	ServeArgs []string
	// JSONPath receives the report. Default DefaultJSONPath
	// ("bench-report.json").
	JSONPath string
	// Out receives the summary lines. Default: os.Stdout.
	Out io.Writer
}

// Defaults of Config.
const (
	DefaultWireDeliveries    = 200000
	DefaultWireLatency       = 10 * time.Second
	DefaultLogRounds         = 7
	DefaultLogShape          = 2
	DefaultConcurrency       = 256
	DefaultPartitions        = 4
	DefaultLatencyDuration   = 30 * time.Second
	DefaultIsolationEvents   = 20000
	DefaultIsolationDuration = 90 * time.Second
	DefaultIsolationTurn     = 5 * time.Second
	DefaultRetryDeliveries   = 10000
	DefaultBacklogRecords    = 1000000
	DefaultBacklogWatch      = 20 * time.Second
	DefaultCrashRate         = 2500
	DefaultCrashDuration     = 20 * time.Second
	DefaultJSONPath          = "bench-report.json"
)

// DefaultSweep is Config.Sweep's default.
var DefaultSweep = []int{16, 32, 64, 128, 256}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.Concurrency = cmp.Or(c.Concurrency, DefaultConcurrency)
	c.Partitions = cmp.Or(c.Partitions, DefaultPartitions)
	c.EndpointConcurrency = cmp.Or(c.EndpointConcurrency, dispatcher.DefaultMaxConcurrent)
	c.IsolationEvents = cmp.Or(c.IsolationEvents, DefaultIsolationEvents)
	c.RetryDeliveries = cmp.Or(c.RetryDeliveries, DefaultRetryDeliveries)
	c.BacklogRecords = cmp.Or(c.BacklogRecords, DefaultBacklogRecords)
	c.LatencyDuration = cmp.Or(c.LatencyDuration, DefaultLatencyDuration)
	c.IsolationDuration = cmp.Or(c.IsolationDuration, DefaultIsolationDuration)
	c.IsolationTurn = cmp.Or(c.IsolationTurn, DefaultIsolationTurn)
	c.CrashRate = cmp.Or(c.CrashRate, DefaultCrashRate)
	c.CrashDuration = cmp.Or(c.CrashDuration, DefaultCrashDuration)
	c.BacklogWatch = cmp.Or(c.BacklogWatch, DefaultBacklogWatch)
	c.WireDeliveries = cmp.Or(c.WireDeliveries, DefaultWireDeliveries)
	c.WireLatency = cmp.Or(c.WireLatency, DefaultWireLatency)
	c.LogRounds = cmp.Or(c.LogRounds, DefaultLogRounds)
	c.LogShape = cmp.Or(c.LogShape, DefaultLogShape)
	if c.Sweep == nil {
		c.Sweep = DefaultSweep
	}
	if c.WireShapes == nil {
		for i := range Shapes {
			c.WireShapes = append(c.WireShapes, i+1)
		}
	}
	if c.WireReceivers == nil {
		c.WireReceivers = []string{ReceiverHTTP2, ReceiverHTTP1}
	}
	if c.WireBrokers == nil {
		c.WireBrokers = []string{BrokerProcess, BrokerEmbed}
	}
	if c.Only == nil {
		c.Only = Scenarios
	}
	c.JSONPath = cmp.Or(c.JSONPath, DefaultJSONPath)
	c.Out = cmp.Or[io.Writer](c.Out, os.Stdout)
	return c
}

// Validate reports what to fix in c; zero fields stand for their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Binary == "" {
		errs = append(errs, errors.New("no postload binary to run"))
	}
	if c.Harness == "" {
		errs = append(errs, errors.New("no executable to run the bench broker and client"))
	}
	for _, s := range c.Only {
		if !slices.Contains(Scenarios, s) {
			errs = append(errs, fmt.Errorf("unknown scenario %q: choose from %v", s, Scenarios))
		}
	}
	if c.LogShape < 1 || c.LogShape > len(Shapes) {
		errs = append(errs, fmt.Errorf("log shape %d: choose 1 to %d", c.LogShape, len(Shapes)))
	}
	if c.WireDeliveries < 0 || c.WireLatency < 0 || c.LogRounds < 0 || c.Concurrency < 0 || c.Partitions < 0 || c.IsolationEvents < 0 || c.RetryDeliveries < 0 || c.BacklogRecords < 0 ||
		c.LatencyDuration < 0 || c.IsolationDuration < 0 || c.IsolationTurn < 0 || c.BacklogWatch < 0 || c.CrashRate < 0 || c.CrashDuration < 0 {
		errs = append(errs, errors.New("sizes must be positive"))
	}
	for _, n := range c.WireShapes {
		if n < 1 || n > len(Shapes) {
			errs = append(errs, fmt.Errorf("throughput shape %d: choose from 1 to %d", n, len(Shapes)))
		}
	}
	for _, r := range c.WireReceivers {
		if r != ReceiverHTTP2 && r != ReceiverHTTP1 {
			errs = append(errs, fmt.Errorf("receiver %q: choose %s or %s", r, ReceiverHTTP2, ReceiverHTTP1))
		}
	}
	for _, b := range c.WireBrokers {
		if b != BrokerProcess && b != BrokerEmbed {
			errs = append(errs, fmt.Errorf("broker %q: choose %s or %s", b, BrokerProcess, BrokerEmbed))
		}
	}
	for _, n := range c.Sweep {
		if n < 1 {
			errs = append(errs, fmt.Errorf("sweep concurrency %d: give 1 or more", n))
		}
	}
	if c.runs("crash") && c.Partitions < 2 {
		errs = append(errs, fmt.Errorf("the crash scenario needs --partitions 2 or more (got %d): each of its two instances must own one", c.Partitions))
	}
	return errors.Join(errs...)
}

func (c Config) runs(name string) bool { return slices.Contains(c.Only, name) }

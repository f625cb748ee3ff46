package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// Scenario names, in the order they run.
var Scenarios = []string{"throughput", "latency", "isolation", "retry", "backlog", "crash"}

// Config sizes the scenarios.
type Config struct {
	// Binary is the postload executable under test. Required.
	Binary string
	// Harness is the executable that runs the bench's broker and ceiling
	// client (`postload bench broker`, `postload bench client`). Required.
	Harness string
	// Events pre-loaded for the throughput scenario. Default 100000.
	Events int
	// Concurrency is postload's in-flight events (--max-in-flight); the
	// ceiling client runs Concurrency × hooks requests at once. Default 256.
	Concurrency int
	// EndpointConcurrency is postload's bulkhead (--endpoint-concurrency).
	// Default 32, postload's default.
	EndpointConcurrency int
	// Rounds of the throughput scenario (each measures the ceiling, then
	// postload); the median round is reported. Default 3.
	Rounds int
	// Partitions of load-completed. Default 4.
	Partitions int
	// LatencyRate, if set, is the latency scenario's events per second
	// instead of half the measured 1-hook throughput.
	LatencyRate float64
	// LatencyDuration is how long events are produced at a steady rate in
	// the latency scenario. Default 30s.
	LatencyDuration time.Duration
	// IsolationEvents pre-loaded in each isolation world. Default 20000.
	IsolationEvents int
	// IsolationDuration is how long each isolation world produces at a
	// steady rate, in turns of IsolationTurn. Defaults 90s and 5s.
	IsolationDuration, IsolationTurn time.Duration
	// IsolationControl makes the black hole healthy: the isolation
	// scenario then compares two alike worlds, which measures its noise.
	IsolationControl bool
	// RetryDeliveries that fail once and pass on the retry. Default 10000.
	RetryDeliveries int
	// BacklogRecords waiting for the memory scenarios. Default 1000000.
	BacklogRecords int
	// BacklogWatch is how long peak RSS is watched under backlog. Default 20s.
	BacklogWatch time.Duration
	// CrashRate is the crash scenario's events per second. Default 2500.
	CrashRate float64
	// CrashDuration is how long the crash scenario produces; one of its two
	// postload instances is killed halfway. Default 20s.
	CrashDuration time.Duration
	// HooksPerEvent are the throughput runs. Default 1 and 10.
	HooksPerEvent []int
	// Only runs these scenarios (default all).
	Only []string
	// ServeArgs are extra flags for `postload serve`.
	ServeArgs []string
	// JSONPath receives the report. Default "bench-report.json".
	JSONPath string
	// Out receives the summary lines. Default os.Stdout.
	Out io.Writer
}

func (c *Config) setDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Events, 100000)
	def(&c.Concurrency, 256)
	def(&c.Partitions, 4)
	def(&c.Rounds, 3)
	def(&c.EndpointConcurrency, 32)
	def(&c.IsolationEvents, 20000)
	def(&c.RetryDeliveries, 10000)
	def(&c.BacklogRecords, 1000000)
	if c.LatencyDuration == 0 {
		c.LatencyDuration = 30 * time.Second
	}
	if c.IsolationDuration == 0 {
		c.IsolationDuration = 90 * time.Second
	}
	if c.IsolationTurn == 0 {
		c.IsolationTurn = 5 * time.Second
	}
	if c.CrashRate == 0 {
		c.CrashRate = 2500
	}
	if c.CrashDuration == 0 {
		c.CrashDuration = 20 * time.Second
	}
	if c.BacklogWatch == 0 {
		c.BacklogWatch = 20 * time.Second
	}
	if c.HooksPerEvent == nil {
		c.HooksPerEvent = []int{1, 10}
	}
	if c.Only == nil {
		c.Only = Scenarios
	}
	if c.JSONPath == "" {
		c.JSONPath = "bench-report.json"
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
}

// Validate reports what to fix in c.
func (c *Config) Validate() error {
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
	if c.Events < 0 || c.Rounds < 0 || c.Concurrency < 0 || c.Partitions < 0 || c.IsolationEvents < 0 || c.RetryDeliveries < 0 || c.BacklogRecords < 0 ||
		c.LatencyDuration < 0 || c.IsolationDuration < 0 || c.IsolationTurn < 0 || c.BacklogWatch < 0 || c.CrashRate < 0 || c.CrashDuration < 0 {
		errs = append(errs, errors.New("sizes must be positive"))
	}
	if c.runs("crash") && c.Partitions < 2 {
		errs = append(errs, fmt.Errorf("the crash scenario needs --partitions 2 or more (got %d): each of its two instances must own one", c.Partitions))
	}
	return errors.Join(errs...)
}

func (c *Config) runs(name string) bool { return slices.Contains(c.Only, name) }

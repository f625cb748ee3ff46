package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report is the whole run, written as JSON.
type Report struct {
	Machine   Machine   `json:"machine"`
	StartedAt time.Time `json:"started_at"`
	// Sweep is the plain client's runs, the ceiling's candidates.
	Sweep []SweepPoint `json:"ceiling_sweep,omitempty"`
	// Throughput is postload's runs, each against its ceiling.
	Throughput  []WireResult       `json:"throughput,omitempty"`
	DeliveryLog *DeliveryLogResult `json:"delivery_log,omitempty"`
	Latency     *LatencyResult     `json:"latency,omitempty"`
	Isolation   *IsolationResult   `json:"isolation,omitempty"`
	Retry       *RetryResult       `json:"retry,omitempty"`
	Backlog     []BacklogResult    `json:"backlog,omitempty"`
	Crash       *CrashResult       `json:"crash,omitempty"`
}

// Machine says where the figures come from.
type Machine struct {
	CPUs   int    `json:"cpus"`
	CPU    string `json:"cpu"`
	GoOS   string `json:"goos"`
	GoArch string `json:"goarch"`
	Go     string `json:"go"`
}

// LatencyResult is emitted_at → receipt at a steady share of throughput.
type LatencyResult struct {
	EventsPerSec float64 `json:"events_per_sec"`
	Seconds      float64 `json:"seconds"`
	Deliveries   int64   `json:"deliveries"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	P999MS       float64 `json:"p999_ms"`
	MaxMS        float64 `json:"max_ms"`
	// Cores used while producing.
	Cores Cores `json:"cores"`
}

// IsolationResult compares the 9 healthy hooks of a world whose tenth hook
// is a black hole with those of an all-healthy world. The two worlds take
// turns on the machine (see isolation.go): the drain rates are over each
// world's drain turns, the p99s over its steady turns.
type IsolationResult struct {
	Events int `json:"events"`
	// Control: the tenth hook of the "black hole" world was healthy too
	// (--isolation-control), to measure the comparison's own noise.
	Control          bool    `json:"control,omitempty"`
	SteadyEventsPerS float64 `json:"steady_events_per_sec"`
	Turns            int     `json:"steady_turns_per_world"`
	TurnSeconds      float64 `json:"steady_turn_seconds"`

	HealthyPerSec  float64 `json:"all_healthy_per_sec"`
	WithHolePerSec float64 `json:"with_black_hole_per_sec"`
	RateRatio      float64 `json:"rate_ratio"`
	HealthyP99MS   float64 `json:"all_healthy_p99_ms"`
	WithHoleP99MS  float64 `json:"with_black_hole_p99_ms"`
	P99Ratio       float64 `json:"p99_ratio"`
	// Cores used during each world's steady turns (the producer included).
	HealthyCores  Cores `json:"all_healthy_steady_cores"`
	WithHoleCores Cores `json:"with_black_hole_steady_cores"`
	// TurnP99Ratio is the median over the cycles of the all-healthy turn's
	// p99 over the black hole's turn's p99: a single turn slowed by
	// something else (a hiccup of the machine) sways it less than it sways
	// the p99 of all turns together.
	TurnP99Ratio float64 `json:"median_turn_p99_ratio"`
	// Each steady turn's p99, in the order of the turns.
	HealthyTurnP99MS  []float64 `json:"all_healthy_turn_p99_ms"`
	WithHoleTurnP99MS []float64 `json:"with_black_hole_turn_p99_ms"`
}

// RetryResult is when retries happen relative to their tier's delay.
type RetryResult struct {
	Deliveries int64  `json:"deliveries"`
	TierDelay  string `json:"tier_delay"`
	// Early is the retries that came before their tier's delay had
	// passed since the first attempt's answer; RepeatedFirst the early
	// requests that another request of the same id followed on time, so
	// repeats of the first attempt (at-least-once), not early retries.
	Early         int64   `json:"early"`
	RepeatedFirst int64   `json:"repeated_first"`
	LateP50MS     float64 `json:"late_p50_ms"`
	LateP99MS     float64 `json:"late_p99_ms"`
	LateMaxMS     float64 `json:"late_max_ms"`
}

// BacklogResult is postload's peak RSS while a backlog waits.
type BacklogResult struct {
	Case      string  `json:"case"`
	Records   int     `json:"records"`
	PeakRSSMB float64 `json:"peak_rss_mib"`
	Watched   string  `json:"watched"`
}

// CrashResult is what a kill -9 of one of two instances repeated (see
// crash.go).
type CrashResult struct {
	Instances    int     `json:"instances"`
	EventsPerSec float64 `json:"events_per_sec"`
	Seconds      float64 `json:"seconds"`
	// Events produced, one delivery each.
	Events int `json:"events"`
	// KilledAtS is when the kill came, in seconds after the first event.
	KilledAtS float64   `json:"killed_at_s"`
	KilledAt  time.Time `json:"killed_at"`
	// Requests the receiver got, Distinct webhook-ids among them, and
	// Repeats, the difference.
	Requests int64 `json:"requests"`
	Distinct int64 `json:"distinct_webhook_ids"`
	Repeats  int64 `json:"repeats"`
	// NoneLost: every event produced was delivered (Distinct == Events).
	NoneLost bool `json:"none_lost"`
	// TierRecords and DeadLetters are the records written to the retry
	// tiers and to postload.dlq (none, when every request is answered 200).
	TierRecords int64 `json:"tier_records"`
	DeadLetters int64 `json:"dead_letters"`
	// From the kill: the survivor owning every partition of load-completed
	// (the group stable again); the first receipt of the last of the events
	// produced before that takeover (the killed instance's partitions held
	// theirs back until then); the end of the production; the first
	// receipt of the last event.
	TakeoverAfterS         float64 `json:"takeover_after_s"`
	BacklogDeliveredAfterS float64 `json:"backlog_delivered_after_s"`
	ProducedAfterS         float64 `json:"production_ended_after_s"`
	DeliveredAfterS        float64 `json:"delivered_after_s"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoOS: runtime.GOOS, GoArch: runtime.GOARCH, Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func (r *Report) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func (c *Config) printf(format string, args ...any) {
	fmt.Fprintf(c.Out, format+"\n", args...)
}

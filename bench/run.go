package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Run runs the chosen scenarios one after another and writes the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Report{Machine: machine(), StartedAt: time.Now().UTC()}
	cfg.printf("machine: %d CPUs, %s, %s", r.Machine.CPUs, r.Machine.CPU, r.Machine.Go)
	for _, step := range []func(context.Context, Config, *Report) error{runThroughput, runLatency, runIsolation, runRetry, runBacklog} {
		if err := step(ctx, cfg, r); err != nil {
			return r, err
		}
	}
	lost, err := runCrash(ctx, cfg, r)
	if err != nil {
		return r, err
	}
	if err := r.write(cfg.JSONPath); err != nil {
		return r, err
	}
	// The report is written, and the run fails if the crash lost events:
	// losing nothing is the promise.
	return r, lost
}

// runThroughput runs the throughput scenario, or its first run only when
// the latency scenario needs its figure.
func runThroughput(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("throughput") && !(cfg.runs("latency") && cfg.LatencyRate == 0) {
		return nil
	}
	for i, hooks := range cfg.HooksPerEvent {
		if i > 0 && !cfg.runs("throughput") {
			break // the latency scenario needs the first figure only
		}
		res, err := throughput(ctx, cfg, hooks)
		if err != nil {
			return fmt.Errorf("throughput, %d hooks: %w", hooks, err)
		}
		r.Throughput = append(r.Throughput, res)
		cfg.printf("throughput  %2d hook(s)/event: postload %6.0f deliveries/s, ceiling %6.0f/s at %d at once (%.0f/s in the receivers' process), ratio %.2f (median of %s; %d events; CPU: %s)",
			hooks, res.PostloadPerSec, res.CeilingPerSec, res.CeilingConcurrency, res.InProcessCeilingPerSec, res.Ratio, roundRatios(res.Rounds), res.Events, res.Cores)
	}
	return nil
}

// runLatency runs the latency scenario at cfg.LatencyRate, or at half the
// first throughput run's events per second.
func runLatency(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("latency") {
		return nil
	}
	rate := cfg.LatencyRate
	if rate <= 0 {
		rate = 0
		if len(r.Throughput) > 0 {
			first := r.Throughput[0]
			rate = first.PostloadPerSec / float64(first.HooksPerEvent) / 2
		}
	}
	res, err := latency(ctx, cfg, rate)
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	r.Latency = res
	cfg.printf("latency     at %.0f events/s for %.0fs: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms (CPU: %s, producer included)",
		res.EventsPerSec, res.Seconds, res.P50MS, res.P99MS, res.P999MS, res.MaxMS, res.Cores)
	return nil
}

func runIsolation(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("isolation") {
		return nil
	}
	res, err := isolation(ctx, cfg)
	if err != nil {
		return fmt.Errorf("isolation: %w", err)
	}
	r.Isolation = res
	what := "1 black-holed"
	if res.Control {
		what = "control: the tenth healthy too"
	}
	cfg.printf("isolation   9 healthy of 10 hooks, %s: %.0f vs %.0f deliveries/s (ratio %.2f); at %.0f events/s p99 %.1f vs %.1f ms (ratio %.2f; median of the turns' ratios %.2f) (%d turns of %.0f s each; black hole's world: %s; all healthy: %s)",
		what, res.WithHolePerSec, res.HealthyPerSec, res.RateRatio, res.SteadyEventsPerS, res.WithHoleP99MS, res.HealthyP99MS, res.P99Ratio, res.TurnP99Ratio,
		res.Turns, res.TurnSeconds, res.WithHoleCores, res.HealthyCores)
	return nil
}

func runRetry(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("retry") {
		return nil
	}
	res, err := retryTiming(ctx, cfg)
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	r.Retry = res
	cfg.printf("retry       %d deliveries failing once, %s tier: %d early, late p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		res.Deliveries, res.TierDelay, res.Early, res.LateP50MS, res.LateP99MS, res.LateMaxMS)
	return nil
}

func runBacklog(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("backlog") {
		return nil
	}
	for _, c := range []string{"load-completed", "retry-tier"} {
		res, err := backlog(ctx, cfg, c)
		if err != nil {
			return fmt.Errorf("backlog %s: %w", c, err)
		}
		r.Backlog = append(r.Backlog, res)
		cfg.printf("backlog     %d records waiting on %s: peak RSS %.0f MiB (watched %s)", res.Records, c, res.PeakRSSMB, res.Watched)
	}
	return nil
}

// runCrash runs the crash scenario; lost says how many events it lost, if
// any.
func runCrash(ctx context.Context, cfg Config, r *Report) (lost, err error) {
	if !cfg.runs("crash") {
		return nil, nil
	}
	res, err := crash(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("crash: %w", err)
	}
	r.Crash = res
	lostText := "none lost"
	if !res.NoneLost {
		lostText = fmt.Sprintf("%d LOST", int64(res.Events)-res.Distinct)
		lost = fmt.Errorf("crash: %d of %d events never delivered", int64(res.Events)-res.Distinct, res.Events)
	}
	cfg.printf("crash       %d instances at %.0f events/s for %.0fs, kill -9 of one at %.1fs: %d repeated requests (%d requests, %d distinct webhook-ids, %d events: %s; %d records on the tiers, %d dead letters); after the kill: partitions taken over at %.1fs, the events produced until then delivered at %.1fs, the production ended at %.1fs, everything delivered at %.1fs",
		res.Instances, res.EventsPerSec, res.Seconds, res.KilledAtS, res.Repeats, res.Requests, res.Distinct, res.Events, lostText, res.TierRecords, res.DeadLetters,
		res.TakeoverAfterS, res.BacklogDeliveredAfterS, res.ProducedAfterS, res.DeliveredAfterS)
	return lost, nil
}

// roundRatios is "3 rounds: 0.71 0.74 0.69".
func roundRatios(rs []ThroughputRound) string {
	return fmt.Sprintf("%d rounds: %s", len(rs), ratios(rs, func(r ThroughputRound) float64 { return r.Ratio }))
}

// ratios is "0.71 0.74 0.69".
func ratios[T any](rs []T, key func(T) float64) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.2f", key(r))
	}
	return b.String()
}

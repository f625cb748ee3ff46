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
	for _, step := range []func(context.Context, Config, *Report) error{runThroughput, runDeliveryLog, runLatency, runIsolation, runRetry, runBacklog} {
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

// runThroughput runs the ceiling's sweep against each receiver kind, then
// every throughput run against the best of its kind.
func runThroughput(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("throughput") {
		return nil
	}
	for _, recv := range cfg.WireReceivers {
		ps, err := sweep(ctx, cfg, recv)
		if err != nil {
			return fmt.Errorf("ceiling sweep, %s receiver: %w", recv, err)
		}
		r.Sweep = append(r.Sweep, ps...)
		top := best(ps)
		cfg.printf("ceiling     %s receiver: best %s, %.0f requests/s", recv, top.how(), top.PerSec)
		for _, broker := range cfg.WireBrokers {
			for _, n := range cfg.WireShapes {
				shape := Shapes[n-1]
				res, err := wire(ctx, cfg, shape, recv, broker, top)
				if err != nil {
					return fmt.Errorf("throughput, %s, %s receiver, broker %s: %w", shape.Name, recv, broker, err)
				}
				r.Throughput = append(r.Throughput, res)
				cfg.printf("throughput  %-36s %s receiver, broker %-8s %6.0f deliveries/s, ratio %.2f (ceiling %.0f/s, %s); CPU %.1f µs/delivery (%.2f× the plain client's); new connections per 1000: %.2f, steady %.2f; at %.0f events/s p50 %.1f ms, p99 %.1f ms (CPU: %s)",
					shape.Name, recv, broker, res.PerSec, res.Ratio, res.Ceiling.PerSec, res.Ceiling.how(), res.CPUPerDeliveryUS, res.CPURatio,
					res.NewConnsPer1000, res.SteadyNewConnsPer1000, res.LatencyEventsPerSec, res.P50MS, res.P99MS, res.Cores)
			}
		}
	}
	return nil
}

// runDeliveryLog measures throughput with the delivery log off and on.
func runDeliveryLog(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("deliverylog") {
		return nil
	}
	res, err := deliveryLog(ctx, cfg)
	if err != nil {
		return fmt.Errorf("delivery log: %w", err)
	}
	r.DeliveryLog = res
	cfg.printf("deliverylog %s, http1 receiver, broker process: on/off %.2f (median of %d rounds), CPU per delivery on/off %.2f×",
		Shapes[cfg.LogShape-1].Name, res.Ratio, len(res.On), res.CPURatio)
	return nil
}

// fallbackLatencyRate is the latency scenario's rate when neither
// --latency-rate nor a throughput run gives one.
const fallbackLatencyRate = 5000

// runLatency runs the latency scenario at cfg.LatencyRate, or at half the
// first throughput run's events per second.
func runLatency(ctx context.Context, cfg Config, r *Report) error {
	if !cfg.runs("latency") {
		return nil
	}
	rate := cfg.LatencyRate
	if rate <= 0 {
		rate = 0
		for _, t := range r.Throughput {
			if t.Shape.Hooks == 1 && t.Broker == BrokerProcess && t.Receiver == ReceiverHTTP1 {
				rate = t.PerSec / 2
			}
		}
	}
	if rate <= 0 {
		rate = fallbackLatencyRate
		cfg.printf("latency     no 1-hook throughput measured in this run: at %.0f events/s (--latency-rate sets it)", rate)
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
	cfg.printf("retry       %d deliveries failing once, %s tier: %d early (%d first attempts repeated), late p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		res.Deliveries, res.TierDelay, res.Early, res.RepeatedFirst, res.LateP50MS, res.LateP99MS, res.LateMaxMS)
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

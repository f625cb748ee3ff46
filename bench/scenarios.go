package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/schema"
)

func inFlightArgs(cfg Config) []string {
	return []string{"--max-in-flight", strconv.Itoa(cfg.Concurrency),
		"--max-in-flight-per-partition", strconv.Itoa(max(cfg.Concurrency/cfg.Partitions, 1)),
		"--endpoint-concurrency", strconv.Itoa(cfg.EndpointConcurrency)}
}

// produceSteady produces events at perSec for d, in 10 ms ticks.
func (e *env) produceSteady(ctx context.Context, perSec float64, d time.Duration) (int, error) {
	return e.produceSteadyFrom(ctx, perSec, d, 0)
}

// produceSteadyFrom is produceSteady with the events' sequence numbers
// starting at seq0.
func (e *env) produceSteadyFrom(ctx context.Context, perSec float64, d time.Duration, seq0 int) (int, error) {
	return e.produceSteadyAccounts(ctx, perSec, d, seq0, 1)
}

// produceSteadyAccounts is produceSteadyFrom with events spread over
// accounts as produceAccounts spreads them.
func (e *env) produceSteadyAccounts(ctx context.Context, perSec float64, d time.Duration, seq0, accounts int) (int, error) {
	tick := 10 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	start := time.Now()
	sent := 0
	for time.Since(start) < d {
		select {
		case <-ctx.Done():
			return sent, ctx.Err()
		case <-t.C:
		}
		due := int(perSec * time.Since(start).Seconds())
		if n := due - sent; n > 0 {
			if err := e.produceAccounts(ctx, n, seq0+sent, accounts); err != nil {
				return sent, err
			}
			sent += n
		}
	}
	return sent, nil
}

// latency: emitted_at → receipt with events produced at perSec.
func latency(ctx context.Context, cfg Config, perSec float64) (*LatencyResult, error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	capacity := int(perSec*cfg.LatencyDuration.Seconds()) + 1000
	rcs, err := e.addReceivers(ctx, 1, answerOK, capacity)
	if err != nil {
		return nil, err
	}
	if err := e.startPostload(inFlightArgs(cfg)...); err != nil {
		return nil, err
	}
	if err := e.warmUp(ctx, rcs); err != nil {
		return nil, err
	}
	cpu := startCPU(e.pid(), e.broker.cmd.Process.Pid)
	sent, err := e.produceSteady(ctx, perSec, cfg.LatencyDuration)
	if err != nil {
		return nil, err
	}
	cpu.stop()
	if err := waitFor(ctx, 2*time.Minute, func() bool { return totalCount(rcs) >= int64(sent) }); err != nil {
		return nil, fmt.Errorf("%d of %d delivered: %w", totalCount(rcs), sent, err)
	}
	p, mx := rcs[0].latencies.percentiles(0.5, 0.99, 0.999)
	return &LatencyResult{EventsPerSec: perSec, Seconds: cfg.LatencyDuration.Seconds(), Deliveries: int64(sent), P50MS: p[0], P99MS: p[1], P999MS: p[2], MaxMS: mx,
		Cores: cpu.cores()}, nil
}

// warmUp sends a few events until postload delivers them (group joined,
// connections open), then clears the figures.
func (e *env) warmUp(ctx context.Context, rcs []*receiver) error {
	if err := e.produceEvents(ctx, 10, 0); err != nil {
		return err
	}
	want := int64(10 * len(rcs))
	if err := waitFor(ctx, time.Minute, func() bool { return totalCount(rcs) >= want }); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	for _, rc := range rcs {
		rc.reset()
	}
	return nil
}

// warmUpFailOnce delivers a few events through the failing first attempt
// and the retry, then clears the figures.
func (e *env) warmUpFailOnce(ctx context.Context, rc *receiver) error {
	if err := e.produceEvents(ctx, 10, 1_000_000); err != nil {
		return err
	}
	if err := waitFor(ctx, time.Minute, func() bool { return rc.count.Load() >= 10 }); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	rc.reset()
	return nil
}

// median returns the median of xs: the mean of the middle two for an even
// count.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}

// medianBy returns the element of rs whose key is the median (the upper
// middle one for an even count: the rounds are odd by default).
func medianBy[T any](rs []T, key func(T) float64) T {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return sorted[len(sorted)/2]
}

// retryTiming: deliveries that fail once and pass on the retry, with a 1 s
// first tier; early attempts and lateness against the tier delay.
func retryTiming(ctx context.Context, cfg Config) (*RetryResult, error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rcs, err := e.addReceivers(ctx, 1, failOnce, cfg.RetryDeliveries+100)
	if err != nil {
		return nil, err
	}
	const tier = time.Second
	rcs[0].tierDelay = tier
	// The breaker must not open: every delivery fails once by design.
	if err := e.startPostload(append(inFlightArgs(cfg), "--retry-delays", "1s,2m,10m,30m,1h", "--breaker-min-requests", "100000000")...); err != nil {
		return nil, err
	}
	if err := e.warmUpFailOnce(ctx, rcs[0]); err != nil {
		return nil, err
	}
	// A steady 1000 events/s: timer precision, not saturation, is measured
	// here (the throughput scenarios measure saturation).
	const perSec = 1000
	if _, err := e.produceSteady(ctx, perSec, time.Duration(cfg.RetryDeliveries)*time.Second/perSec); err != nil {
		return nil, err
	}
	want := int64(cfg.RetryDeliveries)
	if err := waitFor(ctx, 10*time.Minute, func() bool { return rcs[0].count.Load() >= want }); err != nil {
		return nil, fmt.Errorf("%d of %d delivered: %w", rcs[0].count.Load(), want, err)
	}
	// A request before its retry was due is either an early retry or a
	// repeat of the first attempt, which the retry then follows: give the
	// retry its time to come.
	_ = waitFor(ctx, tier+5*time.Second, func() bool { early, _ := rcs[0].early(); return early == 0 })
	early, repeated := rcs[0].early()
	p, mx := rcs[0].lateness.percentiles(0.5, 0.99)
	return &RetryResult{Deliveries: want, TierDelay: tier.String(), Early: early, RepeatedFirst: repeated,
		LateP50MS: p[0], LateP99MS: p[1], LateMaxMS: mx}, nil
}

// backlog: postload's peak RSS while records wait, on load-completed with
// slow receivers, or in a retry tier not yet due.
func backlog(ctx context.Context, cfg Config, where string) (BacklogResult, error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return BacklogResult{}, err
	}
	defer e.close()
	rcs, err := e.addReceivers(ctx, 1, slow, 1)
	if err != nil {
		return BacklogResult{}, err
	}
	rcs[0].delay = 200 * time.Millisecond
	args := inFlightArgs(cfg)
	switch where {
	case "load-completed":
		err = e.produceEvents(ctx, cfg.BacklogRecords, 0)
	default:
		err = e.produceRetries(ctx, cfg.BacklogRecords)
		args = append(args, "--retry-delays", "1h,1h,1h,1h,1h")
	}
	if err != nil {
		return BacklogResult{}, err
	}
	if err := e.startPostload(args...); err != nil {
		return BacklogResult{}, err
	}
	select {
	case <-time.After(cfg.BacklogWatch):
	case <-ctx.Done():
		return BacklogResult{}, ctx.Err()
	}
	rss, err := e.peakRSS()
	if err != nil {
		return BacklogResult{}, err
	}
	return BacklogResult{Case: where, Records: cfg.BacklogRecords, PeakRSSMB: rss, Watched: cfg.BacklogWatch.String()}, nil
}

// produceRetries writes n retry records for hook 1, due in an hour.
func (e *env) produceRetries(ctx context.Context, n int) error {
	const batch = 1000
	msgs := make([]kafka.Message, 0, batch)
	due := time.Now().Add(time.Hour).UTC()
	for i := 0; i < n; i++ {
		now := time.Now()
		d := schema.Delivery{
			Event: string(sampleEvent(now, i)), HookID: 1, Attempt: 2, DueAt: due, Error: "HTTP 500 Internal Server Error",
			Attempts: []schema.Attempt{{Number: 1, StartedAt: now.UTC(), DurationMS: 3, Status: 500, Error: "HTTP 500 Internal Server Error"}},
		}
		b, _ := json.Marshal(d)
		msgs = append(msgs, kafka.Message{Topic: "postload.retry.1", Key: []byte("1"), Value: b})
		if len(msgs) == batch || i == n-1 {
			if err := e.writer.WriteMessages(ctx, msgs...); err != nil {
				return err
			}
			msgs = msgs[:0]
		}
	}
	return nil
}

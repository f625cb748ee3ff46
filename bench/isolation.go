package bench

import (
	"context"
	"fmt"
	"time"
)

// The isolation scenario compares the 9 healthy hooks of a world whose
// tenth hook is a black hole with those of a world whose ten hooks are all
// healthy. Each world has its own broker, receivers and postload.
//
// The two worlds live at the same time and take turns on the machine:
// while one runs, the other's postload is stopped (SIGSTOP), so neither
// does any work in the other's turn. The machine's speed drifts over tens
// of seconds here: two runs one after the other, both all healthy, differed
// by up to 35% in p99. Turns of a few seconds put those drifts on both
// worlds alike.
//
// The turns keep to a fixed grid: the all-healthy world runs in the first
// half of every cycle of two turns, the black hole's world in the second.
// postload's delays (attempt timeout and breaker timeout 30 s, retry tiers
// 30 s to 1 h) are whole numbers of cycles at the default 5 s turn, so what
// the black hole's world starts in its turn (a request that will time out,
// a delivery handed to a tier) comes due in one of its later turns, at the
// same place in it: its work is neither done in the other world's turn nor
// piled up at the start of its own.

// side is one world of the comparison.
type side struct {
	e       *env
	healthy []*receiver
	active  time.Duration // drain: time running
	cpu     cpuShare      // steady turns, summed
	turnP99 []float64     // steady turns' p99s, ms
}

func isolation(ctx context.Context, cfg Config) (*IsolationResult, error) {
	res := &IsolationResult{Events: cfg.IsolationEvents, Control: cfg.IsolationControl}
	var sides [2]*side // all healthy, with the black hole
	defer func() {
		for _, s := range sides {
			if s != nil {
				_ = s.e.resume()
				s.e.close()
			}
		}
	}()
	for i := range sides {
		s, err := newSide(ctx, cfg, i == 1)
		if err != nil {
			return nil, err
		}
		sides[i] = s
	}
	for _, s := range sides {
		if err := s.e.produceEvents(ctx, cfg.IsolationEvents, 0); err != nil {
			return nil, err
		}
	}
	g := grid{start: time.Now(), turn: cfg.IsolationTurn}

	// The drain: turns until both have delivered their backlog.
	want := int64(9 * cfg.IsolationEvents)
	if err := drain(ctx, sides, &g, want); err != nil {
		return nil, err
	}
	res.HealthyPerSec = float64(want) / sides[0].active.Seconds()
	res.WithHolePerSec = float64(want) / sides[1].active.Seconds()
	res.RateRatio = res.WithHolePerSec / res.HealthyPerSec

	// The steady phase: turns at half the all-healthy drain rate, until
	// each world has had cfg.IsolationDuration of them.
	res.SteadyEventsPerS = res.HealthyPerSec / 9 / 2
	turns := max(int(cfg.IsolationDuration/cfg.IsolationTurn), 1)
	if err := steady(ctx, sides, &g, res.SteadyEventsPerS, turns); err != nil {
		return nil, err
	}
	res.Turns, res.TurnSeconds = turns, cfg.IsolationTurn.Seconds()
	res.compare(sides)
	return res, nil
}

// drain runs the sides' turns on g until each has delivered want.
func drain(ctx context.Context, sides [2]*side, g *grid, want int64) error {
	for totalCount(sides[0].healthy) < want || totalCount(sides[1].healthy) < want {
		for _, s := range sides {
			end, err := g.next(ctx)
			if err != nil {
				return err
			}
			if totalCount(s.healthy) >= want {
				continue
			}
			if err := s.drainTurn(ctx, want, end); err != nil {
				return err
			}
		}
	}
	return nil
}

// steady runs turns steady turns of each side on g, producing rate events
// per second.
func steady(ctx context.Context, sides [2]*side, g *grid, rate float64, turns int) error {
	perHook := int(rate*g.turn.Seconds()*float64(turns)*1.1) + 1000
	for _, s := range sides {
		for _, rc := range s.healthy {
			rc.reset()
			rc.latencies.reserve(perHook)
		}
	}
	for range turns {
		for _, s := range sides {
			end, err := g.next(ctx)
			if err != nil {
				return err
			}
			if err := s.steadyTurn(ctx, rate, end); err != nil {
				return err
			}
		}
	}
	return nil
}

// compare sets the steady phase's figures of the sides, all healthy
// first.
func (res *IsolationResult) compare(sides [2]*side) {
	res.HealthyP99MS, res.HealthyCores, res.HealthyTurnP99MS = sides[0].p99(), sides[0].cpu.cores(), sides[0].turnP99
	res.WithHoleP99MS, res.WithHoleCores, res.WithHoleTurnP99MS = sides[1].p99(), sides[1].cpu.cores(), sides[1].turnP99
	if res.WithHoleP99MS > 0 {
		res.P99Ratio = res.HealthyP99MS / res.WithHoleP99MS
	}
	// Turn by turn, each all-healthy turn against the black hole's turn
	// right after it; a turn too short to produce in (the one before ran
	// over) has no p99 and is left out.
	var ratios []float64
	for i := range res.Turns {
		if h, b := sides[0].turnP99[i], sides[1].turnP99[i]; h > 0 && b > 0 {
			ratios = append(ratios, h/b)
		}
	}
	if len(ratios) > 0 {
		res.TurnP99Ratio = median(ratios)
	}
}

// grid is the turns' timetable: turn k runs from start + k·turn for one
// turn, or what is left of it when the turn before ran over.
type grid struct {
	start time.Time
	turn  time.Duration
	k     int
}

// next waits for the next turn to begin and returns when it ends.
func (g *grid) next(ctx context.Context) (end time.Time, err error) {
	begin := g.start.Add(time.Duration(g.k) * g.turn)
	g.k++
	if wait := time.Until(begin); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	return begin.Add(g.turn), nil
}

// newSide starts a world with 9 healthy hooks and a tenth that is a black
// hole (or healthy, for the all-healthy world and for --isolation-control),
// waits until postload delivers, and stops it.
func newSide(ctx context.Context, cfg Config, hole bool) (_ *side, err error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = e.resume() // in case it was stopped: SIGINT waits otherwise
			e.close()
		}
	}()
	s := &side{e: e}
	if s.healthy, err = e.addReceivers(ctx, 9, answerOK, cfg.IsolationEvents); err != nil {
		return nil, err
	}
	m := answerOK
	if hole && !cfg.IsolationControl {
		m = blackHole
	}
	if _, err := e.addReceivers(ctx, 1, m, 1); err != nil {
		return nil, err
	}
	// A world is stopped for the other's turn, which is longer than the
	// usual session timeout: the group must not think it gone.
	args := append(inFlightArgs(cfg), "--session-timeout", "60s", "--drain-timeout", "10s")
	if err := e.startPostload(args...); err != nil {
		return nil, err
	}
	if err := s.settle(ctx, 10); err != nil {
		return nil, err
	}
	for _, rc := range s.healthy {
		rc.reset()
	}
	if err := e.pause(); err != nil {
		return nil, err
	}
	return s, nil
}

// settle produces n unmeasured events and waits until every healthy hook
// has them: the world is running and connected.
func (s *side) settle(ctx context.Context, n int) error {
	base := totalCount(s.healthy)
	if err := s.e.produceUnmeasured(ctx, n); err != nil {
		return err
	}
	if err := waitFor(ctx, time.Minute, func() bool { return totalCount(s.healthy) >= base+int64(9*n) }); err != nil {
		return fmt.Errorf("isolation: settling: %w", err)
	}
	return nil
}

// drainTurn runs the world until end, or until its backlog is delivered,
// and adds the time it ran to s.active.
func (s *side) drainTurn(ctx context.Context, want int64, end time.Time) error {
	if err := s.e.resume(); err != nil {
		return err
	}
	start := time.Now()
	delivered := waitFor(ctx, time.Until(end), func() bool { return totalCount(s.healthy) >= want }) == nil
	if err := s.e.pause(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if delivered { // it ran until the last receipt
		s.active += time.Unix(0, lastReceipt(s.healthy)).Sub(start)
	} else {
		s.active += time.Since(start)
	}
	return nil
}

// steadyTurn runs the world, produces at perSec until shortly before end,
// waits until the healthy hooks have every event, and stops the world.
func (s *side) steadyTurn(ctx context.Context, perSec float64, end time.Time) error {
	if err := s.e.resume(); err != nil {
		return err
	}
	// One unmeasured event first: a stopped world's connections are live
	// again before the measured events start.
	if err := s.settle(ctx, 1); err != nil {
		return err
	}
	base := totalCount(s.healthy)
	from := make([]int, len(s.healthy))
	for i, rc := range s.healthy {
		from[i] = rc.latencies.len()
	}
	cpu := startCPU(s.e.pid(), s.e.broker.cmd.Process.Pid)
	// The last events' deliveries take a few milliseconds; the turn ends
	// with them, not later.
	sent, err := s.e.produceSteady(ctx, perSec, time.Until(end)-50*time.Millisecond)
	if err != nil {
		return err
	}
	if err := waitFor(ctx, time.Minute, func() bool { return totalCount(s.healthy) >= base+int64(9*sent) }); err != nil {
		return fmt.Errorf("isolation: steady turn: %d of %d delivered: %w", totalCount(s.healthy)-base, 9*sent, err)
	}
	cpu.stop()
	s.cpu.add(cpu)
	s.turnP99 = append(s.turnP99, s.p99From(from))
	return s.e.pause()
}

// p99 is the healthy hooks' p99 latency over every steady turn, in ms.
func (s *side) p99() float64 { return s.p99From(make([]int, len(s.healthy))) }

// p99From is the p99 of the healthy hooks' samples from the from[i]-th of
// the i-th hook on, in ms.
func (s *side) p99From(from []int) float64 {
	n := 0
	for _, rc := range s.healthy {
		n += rc.latencies.len()
	}
	all := newSamples(n)
	for i, rc := range s.healthy {
		rc.latencies.each(from[i], all.add)
	}
	p, _ := all.percentiles(0.99)
	return p[0]
}

// lastReceipt is the latest receipt among rcs, in unix nanos.
func lastReceipt(rcs []*receiver) int64 {
	var last int64
	for _, rc := range rcs {
		last = max(last, rc.last.Load())
	}
	return last
}

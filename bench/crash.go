package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// The crash scenario counts what a kill -9 repeats. Two `postload serve`
// instances (all roles, the same flags as the other scenarios) share the
// partitions; events are produced at a steady rate, one hook each, to a
// receiver that answers 200 at once; in the middle of the production one
// instance is killed with SIGKILL, and the other takes its partitions over
// once the group's session timeout (6 s) has passed. Once every event has
// reached the receiver and the dispatchers' group has committed the whole
// of load-completed, the requests that were repeats are the requests minus
// the distinct webhook-ids.

// dispatchGroup is postload's default --group, which consumes
// load-completed.
const dispatchGroup = "postload"

func crash(ctx context.Context, cfg Config) (*CrashResult, error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rcs, err := e.addReceivers(ctx, 1, answerOK, 1)
	if err != nil {
		return nil, err
	}
	rc := rcs[0]
	rc.trackIDs(int(cfg.CrashRate*cfg.CrashDuration.Seconds()) + 1000)
	var procs [2]*postloadProc
	for i := range procs {
		if procs[i], err = e.startInstance(inFlightArgs(cfg)...); err != nil {
			return nil, err
		}
	}
	// Both instances own partitions of load-completed before the first
	// event: the kill then takes some from a process that is delivering.
	if err := waitFor(ctx, 2*time.Minute, func() bool {
		g, err := e.loadCompletedOwners(ctx)
		return err == nil && g.stable && len(g.owned) == 2 && g.owned[0] > 0 && g.owned[1] > 0
	}); err != nil {
		return nil, fmt.Errorf("two instances owning partitions of load-completed: %w", err)
	}

	res := &CrashResult{Instances: len(procs), EventsPerSec: cfg.CrashRate, Seconds: cfg.CrashDuration.Seconds()}
	start := time.Now()
	first, err := e.produceSteadyFrom(ctx, cfg.CrashRate, cfg.CrashDuration/2, 0)
	if err != nil {
		return nil, err
	}
	// The first instance started is the one killed (either owns half).
	if err := e.kill(procs[0]); err != nil {
		return nil, err
	}
	killed := time.Now()
	res.KilledAt, res.KilledAtS = killed.UTC(), killed.Sub(start).Seconds()

	// The survivor's takeover, watched while the production goes on.
	wctx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var takeover time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = waitFor(wctx, 5*time.Minute, func() bool {
			g, err := e.loadCompletedOwners(wctx)
			if err == nil && g.stable && len(g.owned) == 1 && g.owned[0] == cfg.Partitions {
				takeover = time.Now()
				return true
			}
			return false
		})
	}()
	rest, err := e.produceSteadyFrom(ctx, cfg.CrashRate, cfg.CrashDuration-cfg.CrashDuration/2, first)
	if err != nil {
		stopWatch()
		wg.Wait()
		return nil, err
	}
	res.Events = first + rest

	// Everything delivered, and the whole of load-completed committed: no
	// repeat can come after that.
	want := int64(res.Events)
	delivered := func() bool { n, _ := rc.distinct(); return n >= want }
	if err := waitFor(ctx, 5*time.Minute, delivered); err != nil {
		stopWatch()
		wg.Wait()
		n, _ := rc.distinct()
		return nil, fmt.Errorf("%d of %d events delivered (%d requests): %w", n, want, rc.count.Load(), err)
	}
	err = waitFor(ctx, time.Minute, func() bool { ok, err := e.loadCompletedCommitted(ctx); return err == nil && ok })
	stopWatch()
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("load-completed committed to its end: %w", err)
	}
	distinct, lastNew := rc.distinct()
	res.Requests, res.Distinct = rc.count.Load(), distinct
	res.Repeats = res.Requests - res.Distinct
	res.NoneLost = res.Distinct == want
	res.DeliveredAfterS = lastNew.Sub(killed).Seconds()
	if !takeover.IsZero() {
		res.TakeoverAfterS = takeover.Sub(killed).Seconds()
	}
	return res, nil
}

// groupOwners is the dispatchers' group as the broker describes it.
type groupOwners struct {
	stable bool
	owned  []int // partitions of load-completed per member
}

// loadCompletedOwners describes the dispatchers' group: whether it is
// stable, and how many partitions of load-completed each member owns.
func (e *env) loadCompletedOwners(ctx context.Context) (groupOwners, error) {
	c := &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 5 * time.Second, Transport: e.writer.Transport}
	resp, err := c.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{dispatchGroup}})
	if err != nil {
		return groupOwners{}, err
	}
	if len(resp.Groups) != 1 {
		return groupOwners{}, fmt.Errorf("describing group %s: %d groups in the answer", dispatchGroup, len(resp.Groups))
	}
	g := resp.Groups[0]
	if g.Error != nil {
		return groupOwners{}, g.Error
	}
	out := groupOwners{stable: g.GroupState == "Stable"}
	for _, m := range g.Members {
		n := 0
		for _, t := range m.MemberAssignments.Topics {
			if t.Topic == "load-completed" {
				n += len(t.Partitions)
			}
		}
		out.owned = append(out.owned, n)
	}
	return out, nil
}

// loadCompletedCommitted reports whether the dispatchers' group has
// committed every partition of load-completed up to its end.
func (e *env) loadCompletedCommitted(ctx context.Context) (bool, error) {
	c := &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 5 * time.Second, Transport: e.writer.Transport}
	var reqs []kafka.OffsetRequest
	var parts []int
	for p := range e.cfg.Partitions {
		reqs = append(reqs, kafka.LastOffsetOf(p))
		parts = append(parts, p)
	}
	ends, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{"load-completed": reqs}})
	if err != nil {
		return false, err
	}
	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: dispatchGroup, Topics: map[string][]int{"load-completed": parts}})
	if err != nil {
		return false, err
	}
	if committed.Error != nil {
		return false, committed.Error
	}
	end := map[int]int64{}
	for _, p := range ends.Topics["load-completed"] {
		if p.Error != nil {
			return false, p.Error
		}
		end[p.Partition] = p.LastOffset
	}
	got := committed.Topics["load-completed"]
	if len(got) != len(parts) {
		return false, errors.New("not every partition of load-completed in the group's offsets")
	}
	for _, p := range got {
		if p.Error != nil {
			return false, p.Error
		}
		if p.CommittedOffset < end[p.Partition] {
			return false, nil
		}
	}
	return true, nil
}

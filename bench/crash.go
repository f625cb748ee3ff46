package bench

import (
	"context"
	"fmt"
	"strings"
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

// kafkaPoll is how often the scenario asks the broker about the groups: a
// request every 5 ms would load the broker it measures through.
const kafkaPoll = 100 * time.Millisecond

func crash(ctx context.Context, cfg Config) (*CrashResult, error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rc, procs, err := e.startCrashWorld(ctx, cfg)
	if err != nil {
		return nil, err
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
	w := e.watchTakeover(ctx, cfg.Partitions)
	rest, err := e.produceSteadyFrom(ctx, cfg.CrashRate, cfg.CrashDuration-cfg.CrashDuration/2, first)
	if err != nil {
		w.end(0)
		return nil, err
	}
	res.Events = first + rest
	produced := time.Now()

	// Everything delivered (or, if something is lost, a wait long enough
	// to say so), and everything committed: no repeat can come after that.
	_ = waitFor(ctx, 3*time.Minute, func() bool { n, _ := rc.distinct(); return n >= int64(res.Events) })
	err = e.settle(ctx, res)
	// The takeover has happened by now (the survivor delivered the killed
	// one's partitions); the watcher may not have seen it yet.
	takeover := w.end(30 * time.Second)
	if err != nil {
		return nil, err
	}
	res.count(rc, killed, produced, takeover)
	return res, nil
}

// startCrashWorld starts the receiver and the two instances, and returns
// once both own partitions of load-completed: the kill then takes some
// from a process that is delivering.
func (e *env) startCrashWorld(ctx context.Context, cfg Config) (*receiver, [2]*postloadProc, error) {
	var procs [2]*postloadProc
	rcs, err := e.addReceivers(ctx, 1, answerOK, 1)
	if err != nil {
		return nil, procs, err
	}
	rc := rcs[0]
	rc.trackIDs(int(cfg.CrashRate*cfg.CrashDuration.Seconds()) + 1000)
	for i := range procs {
		if procs[i], err = e.startInstance(inFlightArgs(cfg)...); err != nil {
			return nil, procs, err
		}
	}
	if err := waitEvery(ctx, 2*time.Minute, kafkaPoll, func() bool {
		g, err := e.loadCompletedOwners(ctx)
		return err == nil && g.stable && len(g.owned) == 2 && g.owned[0] > 0 && g.owned[1] > 0
	}); err != nil {
		return nil, procs, fmt.Errorf("two instances owning partitions of load-completed: %w", err)
	}
	return rc, procs, nil
}

// takeoverWatch watches, on a goroutine of its own until end, for one
// member of the dispatchers' group to own every partition of
// load-completed.
type takeoverWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	at     time.Time // when it was seen; read after done
}

func (e *env) watchTakeover(ctx context.Context, partitions int) *takeoverWatch {
	wctx, cancel := context.WithCancel(ctx)
	w := &takeoverWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		_ = waitEvery(wctx, 5*time.Minute, kafkaPoll, func() bool {
			g, err := e.loadCompletedOwners(wctx)
			if err == nil && g.stable && len(g.owned) == 1 && g.owned[0] == partitions {
				w.at = time.Now()
				return true
			}
			return false
		})
	}()
	return w
}

// end gives the watch up to grace to see the takeover, stops it, and
// returns when it saw it (zero: not seen).
func (w *takeoverWatch) end(grace time.Duration) time.Time {
	select {
	case <-w.done:
	case <-time.After(grace):
	}
	w.cancel()
	<-w.done
	return w.at
}

// count fills in what the receiver rc saw, timed from the kill at killed:
// the end of the production at produced, the takeover (zero: not seen).
func (res *CrashResult) count(rc *receiver, killed, produced, takeover time.Time) {
	distinct, lastNew := rc.distinct()
	res.Requests, res.Distinct = rc.count.Load(), distinct
	res.Repeats = res.Requests - res.Distinct
	res.NoneLost = res.Distinct == int64(res.Events)
	res.DeliveredAfterS = lastNew.Sub(killed).Seconds()
	res.ProducedAfterS = produced.Sub(killed).Seconds()
	if !takeover.IsZero() {
		res.TakeoverAfterS = takeover.Sub(killed).Seconds()
		if at := rc.firstReceiptsBy(takeover); !at.IsZero() {
			res.BacklogDeliveredAfterS = at.Sub(killed).Seconds()
		}
	}
}

// settle waits until no request can come any more: the dispatchers' group
// has committed load-completed to its end, and the retry tiers' group every
// record handed on to a tier (a repeat may come from there too); it
// counts the records on the tiers and postload.dlq.
func (e *env) settle(ctx context.Context, res *CrashResult) error {
	committed := func(group string, prefix bool, topics ...string) (map[string]map[int]int64, error) {
		var ends map[string]map[int]int64
		err := waitEvery(ctx, 3*time.Minute, kafkaPoll, func() bool {
			var err error
			if ends, err = e.topicEnds(ctx, prefix, topics...); err != nil {
				return false
			}
			ok, err := e.committedToEnd(ctx, group, ends)
			return err == nil && ok
		})
		if err != nil {
			return nil, fmt.Errorf("%v committed to their end by group %s: %w", topics, group, err)
		}
		return ends, nil
	}
	if _, err := committed(dispatchGroup, false, "load-completed"); err != nil {
		return err
	}
	// The first tier's delay is 30 s unless --serve-args sets it.
	tiers, err := committed(dispatchGroup+".retry", true, "postload.retry.")
	if err != nil {
		return err
	}
	res.TierRecords = records(tiers)
	dlq, err := e.topicEnds(ctx, false, "postload.dlq")
	if err != nil {
		return fmt.Errorf("postload.dlq: %w", err)
	}
	res.DeadLetters = records(dlq)
	return nil
}

// groupOwners is the dispatchers' group as the broker describes it.
type groupOwners struct {
	stable bool
	owned  []int // partitions of load-completed per member
}

// loadCompletedOwners describes the dispatchers' group: whether it is
// stable, and how many partitions of load-completed each member owns.
func (e *env) loadCompletedOwners(ctx context.Context) (groupOwners, error) {
	resp, err := e.client().DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{dispatchGroup}})
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

// topicEnds returns the end offset (the next record's) of every partition
// of the topics that exist among names, or, with prefix true, of every
// topic whose name starts with one of names.
func (e *env) topicEnds(ctx context.Context, prefix bool, names ...string) (map[string]map[int]int64, error) {
	c := e.client()
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, err
	}
	reqs := map[string][]kafka.OffsetRequest{}
	for _, t := range md.Topics {
		match := false
		for _, n := range names {
			match = match || t.Name == n || (prefix && strings.HasPrefix(t.Name, n))
		}
		if !match || t.Error != nil {
			continue
		}
		for _, p := range t.Partitions {
			reqs[t.Name] = append(reqs[t.Name], kafka.LastOffsetOf(p.ID))
		}
	}
	ends := map[string]map[int]int64{}
	if len(reqs) == 0 {
		return ends, nil
	}
	resp, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: reqs})
	if err != nil {
		return nil, err
	}
	for t, ps := range resp.Topics {
		ends[t] = map[int]int64{}
		for _, p := range ps {
			if p.Error != nil {
				return nil, fmt.Errorf("end offset of %s/%d: %w", t, p.Partition, p.Error)
			}
			ends[t][p.Partition] = p.LastOffset
		}
	}
	return ends, nil
}

// records is the number of records in ends (no topic of the bench's broker
// has had records deleted).
func records(ends map[string]map[int]int64) int64 {
	var n int64
	for _, ps := range ends {
		for _, end := range ps {
			n += end
		}
	}
	return n
}

// committedToEnd reports whether group has committed every partition of
// ends up to its end.
func (e *env) committedToEnd(ctx context.Context, group string, ends map[string]map[int]int64) (bool, error) {
	topics := map[string][]int{}
	for t, ps := range ends {
		for p := range ps {
			topics[t] = append(topics[t], p)
		}
	}
	resp, err := e.client().OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: topics})
	if err != nil {
		return false, err
	}
	if resp.Error != nil {
		return false, resp.Error
	}
	for t, ps := range ends {
		got := map[int]int64{}
		for _, p := range resp.Topics[t] {
			if p.Error != nil {
				return false, fmt.Errorf("%s's offset of %s/%d: %w", group, t, p.Partition, p.Error)
			}
			got[p.Partition] = p.CommittedOffset
		}
		for p, end := range ps {
			if c, ok := got[p]; end > 0 && (!ok || c < end) {
				return false, nil
			}
		}
	}
	return true, nil
}

func (e *env) client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 5 * time.Second, Transport: e.writer.Transport}
}

package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Throughput at the speed of the wire (docs/benchmarks.md, "Throughput"):
// the ceiling is the fastest plain client this machine runs against the
// same receivers, swept over protocol and concurrency; postload drains a
// backlog in each shape of hooks and hosts, against a receiver that offers
// HTTP/2 and one that speaks HTTP/1.1 only, with its broker as a process of
// its own and embedded in serve.

// Shape is how hooks and hosts are laid out in a throughput run.
type Shape struct {
	Name     string `json:"name"`
	Hooks    int    `json:"hooks"`    // hooks in all
	Hosts    int    `json:"hosts"`    // receivers (host:port) the hooks spread over
	Accounts int    `json:"accounts"` // accounts the hooks belong to, as many each; an event goes to one account's hooks
}

// HooksPerEvent is how many deliveries an event makes.
func (s Shape) HooksPerEvent() int { return s.Hooks / s.Accounts }

// Shapes are the throughput runs of issue 14.
var Shapes = []Shape{
	{"1 hook", 1, 1, 1},
	{"10 hooks, 1 host", 10, 1, 1},
	{"10 hooks, 10 hosts", 10, 10, 1},
	{"1000 hooks of 100 accounts, 1 host", 1000, 1, 100},
}

// Receiver kinds and broker placements of the throughput runs.
const (
	ReceiverHTTP2 = "http2" // offers HTTP/2 and HTTP/1.1 (ALPN)
	ReceiverHTTP1 = "http1" // HTTP/1.1 only
	BrokerProcess = "process"
	BrokerEmbed   = "embedded"
)

// SweepPoint is one run of the plain client.
type SweepPoint struct {
	Receiver    string  `json:"receiver"`
	HTTP2       bool    `json:"http2"`
	Concurrency int     `json:"concurrency"`
	PerSec      float64 `json:"requests_per_sec"`
	CPUPerReqUS float64 `json:"cpu_us_per_request"`
}

func (p SweepPoint) how() string {
	proto := "HTTP/1.1"
	if p.HTTP2 {
		proto = "HTTP/2"
	}
	return fmt.Sprintf("%s × %d", proto, p.Concurrency)
}

// WireResult is one throughput run: postload against its ceiling.
type WireResult struct {
	Shape      Shape   `json:"shape"`
	Receiver   string  `json:"receiver"`
	Broker     string  `json:"broker"`
	Deliveries int64   `json:"deliveries"`
	PerSec     float64 `json:"deliveries_per_sec"`
	// Ceiling is the best plain client against this run's receivers, at
	// the best protocol and concurrency of the sweep (or the sweep's best
	// itself, when higher).
	Ceiling SweepPoint `json:"ceiling"`
	Ratio   float64    `json:"ratio"`
	// CPUPerDeliveryUS is postload's CPU per delivery while it drained;
	// embedded, the broker's is in it.
	CPUPerDeliveryUS float64 `json:"cpu_us_per_delivery"`
	// CPURatio is CPUPerDeliveryUS over the ceiling's CPU per request.
	CPURatio float64 `json:"cpu_ratio"`
	// NewConnsPer1000 counts the connections the receivers accepted per
	// 1,000 deliveries: all of the drain, and past its first tenth
	// (steady).
	NewConnsPer1000       float64 `json:"new_conns_per_1000"`
	SteadyNewConnsPer1000 float64 `json:"steady_new_conns_per_1000"`
	// Latency: emitted → receipt, with events produced at half PerSec.
	LatencyEventsPerSec float64 `json:"latency_events_per_sec"`
	P50MS               float64 `json:"p50_ms"`
	P99MS               float64 `json:"p99_ms"`
	Cores               Cores   `json:"cores_while_postload_drained"`
}

// sweep runs the plain client against one fresh receiver of kind recv at
// each protocol it offers and each concurrency.
func sweep(ctx context.Context, cfg Config, recv string) ([]SweepPoint, error) {
	e, err := newEnv(ctx, cfg, BrokerProcess)
	if err != nil {
		return nil, err
	}
	defer e.close()
	rc := newReceiverOf(answerOK, 1, recv == ReceiverHTTP2)
	e.rcs = append(e.rcs, rc)
	protos := []bool{false}
	if recv == ReceiverHTTP2 {
		protos = append(protos, true)
	}
	var out []SweepPoint
	for _, h2 := range protos {
		for _, conc := range cfg.Sweep {
			p, err := e.plainClient(ctx, []*receiver{rc}, []string{rc.srv.URL + "/hook"}, min(cfg.WireDeliveries, 100_000), conc, h2)
			if err != nil {
				return nil, err
			}
			p.Receiver = recv
			out = append(out, p)
			cfg.printf("ceiling     %s receiver, plain client %-14s %6.0f requests/s, %5.1f µs CPU per request", recv, p.how(), p.PerSec, p.CPUPerReqUS)
		}
	}
	return out, nil
}

// plainClient runs `postload bench client` (a process of its own, as
// postload is) against urls and returns the receivers' rate and the
// client's CPU per request.
func (e *env) plainClient(ctx context.Context, rcs []*receiver, urls []string, total, conc int, http2 bool) (SweepPoint, error) {
	for _, rc := range rcs {
		rc.reset()
	}
	ca, err := e.caFile()
	if err != nil {
		return SweepPoint{}, err
	}
	cmd := exec.CommandContext(ctx, e.cfg.Harness, "bench", "client", "--ca-file", ca, "--urls", strings.Join(urls, ","),
		"--total", strconv.Itoa(total), "--concurrency", strconv.Itoa(conc), "--http2="+strconv.FormatBool(http2))
	dieWithParent(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return SweepPoint{}, fmt.Errorf("bench client: %w: %s", err, strings.TrimSpace(out.String()))
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return SweepPoint{HTTP2: http2, Concurrency: conc, PerSec: rate(rcs), CPUPerReqUS: float64(cpu.Microseconds()) / float64(total)}, nil
}

// best is the fastest point of ps.
func best(ps []SweepPoint) SweepPoint {
	var b SweepPoint
	for _, p := range ps {
		if p.PerSec > b.PerSec {
			b = p
		}
	}
	return b
}

// wire is one throughput run: shape against receivers of kind recv, the
// broker placed as broker; top is the sweep's best against that kind.
func wire(ctx context.Context, cfg Config, shape Shape, recv, broker string, top SweepPoint, extra ...string) (WireResult, error) {
	res := WireResult{Shape: shape, Receiver: recv, Broker: broker}
	e, err := newEnv(ctx, cfg, broker)
	if err != nil {
		return res, err
	}
	defer e.close()
	perEvent := shape.HooksPerEvent()
	events := cfg.WireDeliveries / perEvent
	capacity := int(float64(cfg.WireDeliveries)/2) + 1000
	var rcs []*receiver
	for range shape.Hosts {
		rc := newReceiverOf(answerOK, capacity/shape.Hosts+1000, recv == ReceiverHTTP2)
		e.rcs = append(e.rcs, rc)
		rcs = append(rcs, rc)
	}
	if broker == BrokerEmbed {
		// Topics exist once serve has started; the backlog is produced
		// while nothing delivers (the api role only), then serve restarts
		// with every role and drains it.
		if err := e.startPostload(append(append(inFlightArgs(cfg), extra...), "--roles", "api")...); err != nil {
			return res, err
		}
		if err := e.waitTopics(ctx); err != nil {
			return res, err
		}
	}
	urls, err := e.addHooks(ctx, rcs, shape)
	if err != nil {
		return res, err
	}
	if err := e.produceAccounts(ctx, events, 0, shape.Accounts); err != nil {
		return res, err
	}
	if broker == BrokerEmbed {
		e.stopPostload()
	}

	// The ceiling against these receivers, at the sweep's best settings.
	res.Ceiling, err = e.plainClient(ctx, rcs, urls, min(cfg.WireDeliveries, 100_000), top.Concurrency, top.HTTP2)
	if err != nil {
		return res, fmt.Errorf("ceiling: %w", err)
	}
	res.Ceiling.Receiver = recv
	if top.PerSec > res.Ceiling.PerSec {
		res.Ceiling = top
	}
	for _, rc := range rcs {
		rc.reset()
	}
	conns0 := conns(rcs)
	if err := e.startPostload(append(inFlightArgs(cfg), extra...)...); err != nil {
		return res, err
	}
	cpu := startCPU(e.pid(), e.brokerPID())
	total := int64(events * perEvent)
	// The steady part starts once a tenth is delivered: connections are
	// open by then.
	if err := waitFor(ctx, 30*time.Minute, func() bool { return totalCount(rcs) >= total/10 }); err != nil {
		return res, fmt.Errorf("%d of %d delivered: %w", totalCount(rcs), total, err)
	}
	tenth, conns10 := totalCount(rcs), conns(rcs)
	if err := waitFor(ctx, 30*time.Minute, func() bool { return totalCount(rcs) >= total }); err != nil {
		return res, fmt.Errorf("%d of %d delivered: %w", totalCount(rcs), total, err)
	}
	cpu.stop()
	end, connsEnd := totalCount(rcs), conns(rcs)
	res.Deliveries = end
	res.PerSec = rate(rcs)
	res.Ratio = res.PerSec / res.Ceiling.PerSec
	res.Cores = cpu.cores()
	res.CPUPerDeliveryUS = float64(cpu.used[0].Microseconds()) / float64(end)
	res.CPURatio = res.CPUPerDeliveryUS / res.Ceiling.CPUPerReqUS
	res.NewConnsPer1000 = float64(connsEnd-conns0) * 1000 / float64(end)
	res.SteadyNewConnsPer1000 = float64(connsEnd-conns10) * 1000 / float64(end-tenth)

	// Latency at half the rate just measured.
	for _, rc := range rcs {
		rc.reset()
	}
	perSec := res.PerSec / float64(perEvent) / 2
	sent, err := e.produceSteadyAccounts(ctx, perSec, cfg.WireLatency, events, shape.Accounts)
	if err != nil {
		return res, err
	}
	want := int64(sent * perEvent)
	if err := waitFor(ctx, 2*time.Minute, func() bool { return totalCount(rcs) >= want }); err != nil {
		return res, fmt.Errorf("latency: %d of %d delivered: %w", totalCount(rcs), want, err)
	}
	all := newSamples(0)
	for _, rc := range rcs {
		all.merge(rc.latencies)
	}
	p, _ := all.percentiles(0.5, 0.99)
	res.LatencyEventsPerSec, res.P50MS, res.P99MS = perSec, p[0], p[1]
	return res, nil
}

// conns is the connections the receivers accepted so far.
func conns(rcs []*receiver) int64 {
	var n int64
	for _, rc := range rcs {
		n += rc.conns.Load()
	}
	return n
}

// freePort is a loopback address nobody listens on now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// DeliveryLogResult is the throughput of one shape with the delivery log
// off and on. The machine drifts by ±10 % over minutes, more than the
// log's cost, so one run of each side by side would measure the drift:
// the runs alternate, off first and last (off, on, off, ..., on, off), and
// each run with the log on is compared with the mean of the two runs
// either side of it, which cancels a steady drift; the figure is the
// median of those comparisons.
type DeliveryLogResult struct {
	Off       []WireResult `json:"off"`        // rounds+1, in the order they ran
	On        []WireResult `json:"on"`         // rounds: On[i] ran between Off[i] and Off[i+1]
	Ratios    []float64    `json:"ratios"`     // On[i]'s deliveries per second over its neighbours' mean
	CPURatios []float64    `json:"cpu_ratios"` // the same for CPU per delivery
	Ratio     float64      `json:"ratio"`      // median of Ratios
	CPURatio  float64      `json:"cpu_ratio"`  // median of CPURatios
}

// deliveryLog measures what the delivery log costs: the hooks of
// cfg.LogShape on HTTP/1.1-only hosts, the broker as a process, in
// cfg.LogRounds runs with the log on, each between two with it off.
func deliveryLog(ctx context.Context, cfg Config) (*DeliveryLogResult, error) {
	ps, err := sweep(ctx, cfg, ReceiverHTTP1)
	if err != nil {
		return nil, err
	}
	top := best(ps)
	run := func(on bool) (WireResult, error) {
		r, err := wire(ctx, cfg, Shapes[cfg.LogShape-1], ReceiverHTTP1, BrokerProcess, top, fmt.Sprintf("--delivery-log=%t", on))
		if err != nil {
			return r, fmt.Errorf("log on %t: %w", on, err)
		}
		return r, nil
	}
	var res DeliveryLogResult
	off, err := run(false)
	if err != nil {
		return nil, err
	}
	res.Off = append(res.Off, off)
	for i := range cfg.LogRounds {
		on, err := run(true)
		if err != nil {
			return nil, err
		}
		off, err := run(false)
		if err != nil {
			return nil, err
		}
		before := res.Off[i]
		res.On, res.Off = append(res.On, on), append(res.Off, off)
		r := on.PerSec / ((before.PerSec + off.PerSec) / 2)
		c := on.CPUPerDeliveryUS / ((before.CPUPerDeliveryUS + off.CPUPerDeliveryUS) / 2)
		res.Ratios, res.CPURatios = append(res.Ratios, r), append(res.CPURatios, c)
		cfg.printf("deliverylog round %d: log off %.0f deliveries/s (%.1f µs CPU each), on %.0f/s (%.1f µs), off %.0f/s (%.1f µs): on/off %.2f, CPU %.2f×",
			i+1, before.PerSec, before.CPUPerDeliveryUS, on.PerSec, on.CPUPerDeliveryUS, off.PerSec, off.CPUPerDeliveryUS, r, c)
	}
	res.Ratio, res.CPURatio = median(res.Ratios), median(res.CPURatios)
	return &res, nil
}

package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/schema"
)

// env is one scenario's world: a broker, receivers, and postload.
type env struct {
	cfg     Config
	dir     string
	broker  *brokerProc
	brokers []string
	rcs     []*receiver
	procs   []*postloadProc // in the order they started
	writer  *kafka.Writer
	// embedded: the broker runs in the first postload instance (serve's
	// default), at brokers[0]; broker is nil.
	embedded bool
	hooks    int // hook ids given so far

	unmeasured int // events produced by produceUnmeasured
}

func newEnv(ctx context.Context, cfg Config, broker ...string) (*env, error) {
	// The previous scenario's receivers held their samples in this
	// process: collect them now, not while this scenario measures.
	runtime.GC()
	debug.FreeOSMemory()
	dir, err := os.MkdirTemp("", "postload-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, dir: dir}
	if len(broker) > 0 && broker[0] == BrokerEmbed {
		addr, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		e.embedded, e.brokers = true, []string{addr}
	} else {
		b, err := startBroker(ctx, cfg.Harness)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		e.broker, e.brokers = b, b.addrs
	}
	e.writer = &kafka.Writer{
		Addr: kafka.TCP(e.brokers...), Balancer: &kafka.RoundRobin{}, RequiredAcks: kafka.RequireOne,
		BatchSize: 1000, BatchBytes: 4 << 20, BatchTimeout: time.Millisecond,
		// The cluster's layout never changes here: a metadata refresh an
		// hour apart, not every few seconds in the middle of a measurement.
		Transport: &kafka.Transport{MetadataTTL: time.Hour},
	}
	if e.embedded {
		return e, nil // serve makes its topics
	}
	topics := []consumer.Topic{
		{Name: "load-completed", Partitions: cfg.Partitions},
		{Name: "postload.retry.1", Partitions: cfg.Partitions},
		{Name: "postload.hooks", Partitions: 1, Compacted: true},
		{Name: "postload.ids", Partitions: 1, Compacted: true},
		{Name: "postload.recipients", Partitions: 1, Compacted: true},
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := consumer.EnsureTopics(tctx, e.brokers, topics); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// brokerPID is the broker process's id, 0 when it is embedded.
func (e *env) brokerPID() int {
	if e.broker == nil {
		return 0
	}
	return e.broker.cmd.Process.Pid
}

// waitTopics waits until the first postload instance serves its API, by
// which time it has made its topics.
func (e *env) waitTopics(ctx context.Context) error {
	url := "http://" + e.procs[0].api + "/notifications/public/v1/api/hooks"
	client := &http.Client{Timeout: time.Second}
	exited := false
	err := waitEvery(ctx, time.Minute, 50*time.Millisecond, func() bool {
		select {
		case <-e.procs[0].exited:
			exited = true
			return true
		default:
		}
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusUnauthorized
	})
	if exited {
		b, _ := os.ReadFile(filepath.Join(e.dir, "postload.log"))
		return fmt.Errorf("postload exited: %s", b[max(0, len(b)-2000):])
	}
	return err
}

func (e *env) close() {
	e.stopPostload()
	if e.writer != nil {
		e.writer.Close()
		e.writer.Transport.(*kafka.Transport).CloseIdleConnections()
	}
	for _, rc := range e.rcs {
		rc.close()
	}
	if e.broker != nil {
		e.broker.stop()
	}
	if os.Getenv("POSTLOAD_BENCH_KEEP") == "" {
		os.RemoveAll(e.dir)
	}
}

// addReceivers starts n receivers in mode m and registers one hook (client
// 1, destination 1) for each, by writing the hook records to the registry
// topic before postload starts.
func (e *env) addReceivers(ctx context.Context, n int, m mode, capacity int) ([]*receiver, error) {
	var out []*receiver
	var msgs []kafka.Message
	now := time.Now().UTC().Truncate(time.Second)
	for i := 0; i < n; i++ {
		rc := newReceiver(m, capacity)
		e.rcs = append(e.rcs, rc)
		out = append(out, rc)
		e.hooks++
		id := int64(e.hooks)
		h := schema.Hook{
			ID: id, ClientID: 1, Type: schema.HookTypePostLoad, Version: schema.HookVersion, DestinationID: 1,
			Config:    schema.HookConfig{URL: rc.srv.URL + "/hook", Secret: benchSecret},
			CreatedAt: now, ModifiedAt: now,
		}
		b, _ := json.Marshal(h)
		msgs = append(msgs, kafka.Message{Topic: "postload.hooks", Key: []byte(strconv.FormatInt(id, 10)), Value: b})
	}
	return out, e.writer.WriteMessages(ctx, msgs...)
}

// addHooks registers shape's hooks on rcs (hook i on rcs[i % len(rcs)],
// path /hook/<i>; account 1 + i / hooks per account, destination 1) and
// returns their URLs.
func (e *env) addHooks(ctx context.Context, rcs []*receiver, shape Shape) ([]string, error) {
	var urls []string
	var msgs []kafka.Message
	now := time.Now().UTC().Truncate(time.Second)
	per := shape.HooksPerEvent()
	for i := range shape.Hooks {
		e.hooks++
		id := int64(e.hooks)
		url := fmt.Sprintf("%s/hook/%d", rcs[i%len(rcs)].srv.URL, i)
		urls = append(urls, url)
		h := schema.Hook{
			ID: id, ClientID: int64(1 + i/per), Type: schema.HookTypePostLoad, Version: schema.HookVersion, DestinationID: 1,
			Config:    schema.HookConfig{URL: url, Secret: benchSecret},
			CreatedAt: now, ModifiedAt: now,
		}
		b, _ := json.Marshal(h)
		msgs = append(msgs, kafka.Message{Topic: "postload.hooks", Key: []byte(strconv.FormatInt(id, 10)), Value: b})
	}
	return urls, e.writer.WriteMessages(ctx, msgs...)
}

// benchSecret signs every hook's requests, and the plain client's.
const benchSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// caFile writes every receiver's certificate into one PEM file.
func (e *env) caFile() (string, error) {
	var b []byte
	for _, rc := range e.rcs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rc.srv.Certificate().Raw})...)
	}
	path := filepath.Join(e.dir, "ca.pem")
	return path, os.WriteFile(path, b, 0o644)
}

// postloadProc is one running `postload serve`.
type postloadProc struct {
	api    string // host:port of its API
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{} // closed once the process has exited
}

// startPostload runs `postload serve` against the bench broker.
func (e *env) startPostload(extra ...string) error {
	_, err := e.startInstance(extra...)
	return err
}

// startInstance runs one more `postload serve` against the bench broker,
// with the same flags as every other instance but its own API address and
// log file (postload.log for the first, postload-<n>.log after). All
// instances share the consumer groups, so they share the partitions.
func (e *env) startInstance(extra ...string) (*postloadProc, error) {
	ca, err := e.caFile()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := ln.Addr().String()
	ln.Close()
	kafkaArgs := []string{"--brokers", strings.Join(e.brokers, ",")}
	if e.embedded {
		kafkaArgs = []string{"--embedded-addr", e.brokers[0]}
	}
	args := append([]string{"serve", "--listen", api}, kafkaArgs...)
	args = append(args,
		"--data-dir", e.dir, "--ca-file", ca, "--partitions", strconv.Itoa(e.cfg.Partitions),
		"--session-timeout", "6s", "--drain-timeout", "3s", "--log-format", "json", "--log-level", "warn",
		"--allow-networks", "127.0.0.0/8") // the receivers are on loopback
	args = append(args, e.cfg.ServeArgs...)
	args = append(args, extra...)
	name := "postload.log"
	if n := len(e.procs) + 1; n > 1 {
		name = fmt.Sprintf("postload-%d.log", n)
	}
	log, err := os.OpenFile(filepath.Join(e.dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.cfg.Binary, args...)
	dieWithParent(cmd)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s serve: %w", e.cfg.Binary, err)
	}
	p := &postloadProc{api: api, cmd: cmd, log: log, exited: make(chan struct{})}
	// Owned by the env: it ends when the process exits, which stopPostload
	// (from close) makes sure of.
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	e.procs = append(e.procs, p)
	return p, nil
}

// pid is the first postload instance's process id: the one the
// single-instance scenarios measure.
func (e *env) pid() int { return e.procs[0].cmd.Process.Pid }

// kill ends p with SIGKILL, as `kill -9` does, and returns once it has
// exited.
func (e *env) kill(p *postloadProc) error {
	if err := p.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("killing postload (pid %d): %w", p.cmd.Process.Pid, err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("postload (pid %d) still running 10s after SIGKILL", p.cmd.Process.Pid)
	}
}

// stopPostload stops every instance still running with SIGTERM, all at
// once, and waits for them (SIGKILL after 20 s).
func (e *env) stopPostload() {
	for _, p := range e.procs {
		_ = p.cmd.Process.Signal(os.Interrupt)
	}
	deadline := time.After(20 * time.Second)
	for _, p := range e.procs {
		select {
		case <-p.exited:
			continue
		case <-deadline:
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	e.procs = nil
}

// peakRSS is the child's peak resident set (VmHWM), in MiB.
func (e *env) peakRSS() (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", e.pid()))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", e.pid())
}

// produceEvents writes n load events (client 1, destination 1) with
// emitted time now, in batches.
func (e *env) produceEvents(ctx context.Context, n int, seq0 int) error {
	return e.produceAccounts(ctx, n, seq0, 1)
}

// produceAccounts writes n load events with emitted time now, in batches,
// event seq for account 1 + seq % accounts (destination 1).
func (e *env) produceAccounts(ctx context.Context, n int, seq0 int, accounts int) error {
	const batch = 1000
	msgs := make([]kafka.Message, 0, batch)
	for i := 0; i < n; i++ {
		now := time.Now()
		seq := seq0 + i
		ev := schema.SampleLoadEvent(eventID(now, seq), int64(1+seq%accounts), 1, seq%3 == 0, now)
		msgs = append(msgs, kafka.Message{Topic: "load-completed", Value: ev})
		if len(msgs) == batch || i == n-1 {
			if err := e.writer.WriteMessages(ctx, msgs...); err != nil {
				return err
			}
			msgs = msgs[:0]
		}
	}
	return nil
}

// produceUnmeasured produces n events whose receipts count but whose
// latency is not recorded: their ids carry no emitted time.
func (e *env) produceUnmeasured(ctx context.Context, n int) error {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		e.unmeasured++
		id := "settle-" + strconv.Itoa(e.unmeasured)
		msgs[i] = kafka.Message{Topic: "load-completed", Value: schema.SampleLoadEvent(id, 1, 1, false, time.Now())}
	}
	return e.writer.WriteMessages(ctx, msgs...)
}

func sampleEvent(now time.Time, seq int) []byte {
	return schema.SampleLoadEvent(eventID(now, seq), 1, 1, seq%3 == 0, now)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, cond func() bool) error {
	return waitEvery(ctx, timeout, 5*time.Millisecond, cond)
}

// waitEvery polls cond every interval until it holds or the timeout passes.
func waitEvery(ctx context.Context, timeout, interval time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not reached within %v", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
	return nil
}

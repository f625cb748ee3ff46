package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/httpapi"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.LogFormat, cfg.LogLevel, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if getenv("GOGC") == "" && !cfg.embedded() {
		// Against a Kafka cluster the live heap is small and bounded
		// (in-flight work is), so at Go's default every few megabytes
		// allocated start a collection: a quarter of the collections for
		// a few tens of megabytes more. Not with the embedded broker,
		// whose records are this process's heap. GOGC overrides.
		debug.SetGCPercent(400)
	}
	return serve(ctx, cfg, log, nil)
}

// runner is a long-lived part: Run returns once ctx is done and everything
// it started has stopped.
type runner interface {
	Run(ctx context.Context) error
}

// closers are what serve closes on return, the last added first.
type closers []func()

func (c *closers) add(f func()) { *c = append(*c, f) }

func (c closers) close() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// parts are what the roles of serve share.
type parts struct {
	*kafkaParts
	policy *egress.Policy // the SSRF guard
	store  *hook.Store
	writer *consumer.Writer
	disp   *dispatcher.Dispatcher
	m      *metrics
	log    deliveryLog // the delivery log's writer and index
}

// serve runs the configured roles until ctx is done. ready, if set, is
// called with the API's address and the brokers once everything runs.
func serve(ctx context.Context, cfg serveConfig, log *zap.Logger, ready func(apiAddr string, brokers []string)) error {
	var cl closers
	defer func() { cl.close() }() // after everything it closes has stopped
	cfg.MaxEventBytes = cmp.Or(cfg.MaxEventBytes, dispatcher.DefaultMaxEventBytes)
	k, err := startKafka(ctx, cfg, &cl, log)
	if err != nil || k == nil {
		return err // nil: stopped while starting
	}
	p, err := newParts(cfg, k, &cl, log)
	if err != nil {
		return err
	}
	runners, err := roleRunners(cfg, p, log)
	if err != nil {
		return err
	}
	if k.trim != nil {
		runners = append(runners, k.trim)
	}
	servers, err := listen(cfg, p, log)
	if err != nil {
		return err
	}
	return runAll(ctx, p, servers, runners, func() {
		log.Info("postload is running", zap.Stringer("roles", cfg.Roles), zap.String("listen", "http://"+servers[0].ln.Addr().String()),
			zap.String("api", "http://"+servers[0].ln.Addr().String()+httpapi.BasePath), zap.String("console", consoleURL(servers)),
			zap.String("operator", operatorURL(servers)),
			zap.Strings("brokers", p.brokers))
		if ready != nil {
			ready(servers[0].ln.Addr().String(), p.brokers)
		}
	}, log)
}

// newParts makes the registry, the writer, the HTTPS sender and the
// dispatcher, which every role shares; cl closes them.
func newParts(cfg serveConfig, k *kafkaParts, cl *closers, log *zap.Logger) (*parts, error) {
	p := &parts{kafkaParts: k, policy: egress.NewPolicy(cfg.AllowNetworks), m: newMetrics()}
	store, err := newRegistry(cfg, p, log)
	if err != nil {
		return nil, err
	}
	p.store, p.m.store = store, store
	p.writer = consumer.NewSizedWriter(k.brokers, dispatcher.RecordBytes(cfg.MaxEventBytes), log)
	cl.add(func() { p.writer.Close() }) // after every group has drained
	cas, err := loadCAs(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	sender, err := dispatcher.NewSender(cfg.clientConfig(cas, p.policy))
	if err != nil {
		return nil, err
	}
	cl.add(sender.Close)
	auto, err := newAutoDisable(cfg, p, log)
	if err != nil {
		return nil, fmt.Errorf("--auto-disable-after, --auto-disable-min-failures: %w", err)
	}
	if p.log, err = newDeliveryLog(cfg, k, auto, log); err != nil {
		return nil, err
	}
	p.m.log = p.log
	dc := cfg.dispatcherConfig(k.topics)
	dc.Log, dc.Observer, dc.Traces = log.Named("dispatch"), p.m, consumer.NewScanner(k.client) // the scanner: for takeovers after a crash
	if p.log.writer != nil {
		dc.AttemptLog = p.log.writer
	}
	if p.disp, err = dispatcher.New(dc, store, p.writer, sender); err != nil {
		return nil, err
	}
	cl.add(p.disp.Close) // after every group has stopped
	return p, nil
}

// newRegistry is the hook and recipient registry; it does not read yet.
func newRegistry(cfg serveConfig, p *parts, log *zap.Logger) (*hook.Store, error) {
	store, err := hook.NewStore(hook.Config{
		Kafka: p.client, HooksTopic: p.topics.Hooks, RecipientsTopic: p.topics.Recipients, IDsTopic: p.topics.IDs,
		CheckURL: p.policy.CheckURL, RotationOverlap: cfg.RotationOverlap,
	}, log.Named("registry"))
	if err != nil {
		return nil, fmt.Errorf("--secret-rotation-overlap, --topic-prefix: %w", err)
	}
	return store, nil
}

// runAll runs the registry, the servers and then, once the registry has
// caught up, the roles, until ctx is done or one of them fails; running is
// called when everything runs. The registry stops last.
func runAll(ctx context.Context, p *parts, servers []*server, runners []runner, running func(), log *zap.Logger) error {
	// The registry runs until everything else has stopped; the API answers
	// 503 and /readyz says not ready until it has caught up.
	storeCtx, stopStore := context.WithCancel(context.WithoutCancel(ctx))
	storeDone := make(chan error, 1)
	go func() { storeDone <- p.store.Run(storeCtx) }()
	defer func() { stopStore(); <-storeDone }()
	// The delivery log's writer too runs until every attempt is made: it
	// then writes what it has, within its flush timeout.
	defer p.log.runWriter(ctx)()

	runCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	g, gctx := errgroup.WithContext(runCtx)
	for _, s := range servers {
		g.Go(func() error {
			if err := s.run(gctx); err != nil {
				return fmt.Errorf("--%s %s: %w", s.name, s.ln.Addr(), err)
			}
			return nil
		})
		if s.sessions != nil {
			g.Go(func() error { return s.sessions.Run(gctx) })
		}
	}
	if p.log.index != nil { // read from the start while the registry catches up
		g.Go(func() error { return p.log.index.Run(gctx) })
	}
	if ready, err := awaitRegistry(ctx, p.store.Wait, g, gctx, stopAll); !ready {
		return err
	}
	for _, r := range runners {
		g.Go(func() error { return r.Run(gctx) })
	}
	running()
	err := g.Wait()
	log.Info("postload stopped")
	return err
}

// awaitRegistry waits until the registry has caught up (wait returns nil)
// while the parts already in g run; g's context is gctx, which stopAll
// cancels. When it has not caught up, every part in g has stopped on
// return, and err says why start-up ended: the error of the part whose
// failure ended the wait (not the cancellation that failure caused), or
// nil when ctx was cancelled.
func awaitRegistry(ctx context.Context, wait func(context.Context) error, g *errgroup.Group, gctx context.Context, stopAll func()) (ready bool, err error) {
	err = wait(gctx)
	if err == nil {
		return true, nil
	}
	stopAll()
	cause := g.Wait()
	switch {
	case ctx.Err() != nil:
		return false, nil // stopped while starting
	case cause != nil:
		return false, fmt.Errorf("stopped while the hook registry was catching up: %w", cause)
	}
	return false, fmt.Errorf("waiting for the hook registry to catch up: %w", err)
}

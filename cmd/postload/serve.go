package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/email"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/token"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
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

// serve runs the configured roles until ctx is done. ready, if set, is
// called with the API's address and the brokers once everything runs.
func serve(ctx context.Context, cfg serveConfig, log *zap.Logger, ready func(apiAddr string, brokers []string)) error {
	brokers := cfg.Brokers
	var cluster *kfake.Cluster
	if cfg.embedded() {
		var err error
		cluster, err = startEmbedded(cfg.EmbeddedAddr, cfg.DataDir)
		if err != nil {
			return err
		}
		defer cluster.Close() // last: everything else has stopped
		brokers = cluster.ListenAddrs()
		log.Info("embedded Kafka broker running", zap.Strings("addr", brokers), zap.String("data_dir", cfg.DataDir))
	}
	cfg.MaxEventBytes = cmp.Or(cfg.MaxEventBytes, dispatcher.DefaultMaxEventBytes)
	topics := newTopicNames(cfg.TopicPrefix, len(cfg.RetryDelays))
	err := ensureTopics(ctx, brokers, topics.specs(cfg.Partitions, cfg.Retention, cfg.RetentionBytes, cfg.MaxEventBytes), log)
	var trim runner
	if err == nil && cluster != nil {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		trim, err = embeddedRetention(tctx, cluster, brokers, cfg, topics, log)
		cancel()
	}
	if ctx.Err() != nil {
		return nil // stopped while starting
	}
	if err != nil {
		return fmt.Errorf("%w (are the brokers %v reachable?)", err, brokers)
	}

	policy := egress.NewPolicy(cfg.AllowNetworks)
	store, err := hook.NewStore(hook.Config{
		Brokers: brokers, HooksTopic: topics.Hooks, RecipientsTopic: topics.Recipients, IDsTopic: topics.IDs,
		CheckURL: policy.CheckURL, RotationOverlap: cfg.RotationOverlap,
	}, log.Named("registry"))
	if err != nil {
		return err
	}
	writer := consumer.NewSizedWriter(brokers, dispatcher.RecordBytes(cfg.MaxEventBytes), log)
	defer writer.Close() // after every group has drained
	cas, err := loadCAs(cfg.CAFile)
	if err != nil {
		return err
	}
	sender, err := dispatcher.NewSender(dispatcher.ClientConfig{
		AttemptTimeout: cfg.AttemptTimeout, RootCAs: cas,
		Egress: egress.TransportConfig{Dialer: egress.DialerConfig{Policy: policy, SourceAddr: cfg.SourceAddr}},
	})
	if err != nil {
		return err
	}
	defer sender.Close()
	m := newMetrics()
	m.store = store
	scanner := consumer.NewScanner(brokers) // for takeovers after a crash
	defer scanner.Close()
	disp, err := dispatcher.New(dispatcher.Config{
		InvalidTopic: topics.Invalid, RetryTopics: topics.Retry, RetryDelays: cfg.RetryDelays, NoGroups: cfg.NoRetryGroups,
		DLQTopic: topics.DLQ, Endpoints: cfg.Breaker, MaxEventBytes: cfg.MaxEventBytes, Log: log.Named("dispatch"), Observer: m,
		Traces: scanner,
	}, store, writer, sender)
	if err != nil {
		return err
	}
	defer disp.Close() // after every group has stopped

	runners, err := roleRunners(cfg, brokers, topics, store, disp, m, log)
	if err != nil {
		return err
	}
	if trim != nil {
		runners = append(runners, trim)
	}
	var tokens *token.File
	if cfg.Roles.api {
		if tokens, err = token.Open(cfg.TokensFile, log.Named("tokens")); err != nil {
			return err
		}
	}
	hl := &health{brokers: brokers, store: store}
	apiMux, opsMux := http.NewServeMux(), http.NewServeMux()
	if cfg.Roles.api {
		dcfg := dlqConfig(brokers, topics, log)
		if err := dcfg.Validate(); err != nil {
			return err
		}
		routes := dlq.Routes(dcfg, store, writer, time.Now)
		apiMux.Handle(hook.BasePath+"/", hook.NewHandler(store, tokens, log.Named("api"), routes...))
	}
	if cfg.MetricsListen == "" {
		opsMux = apiMux
	}
	opsHandler(opsMux, m, hl)
	servers := []*server{{name: "listen", addr: cfg.Listen, handler: apiMux}}
	if cfg.MetricsListen != "" {
		servers = append(servers, &server{name: "metrics-listen", addr: cfg.MetricsListen, handler: opsMux})
	}
	for i, s := range servers {
		if err := s.listen(); err != nil {
			for _, prev := range servers[:i] {
				prev.ln.Close()
			}
			return err
		}
	}

	// The registry runs until everything else has stopped; the API answers
	// 503 and /readyz says not ready until it has caught up.
	storeCtx, stopStore := context.WithCancel(context.WithoutCancel(ctx))
	storeDone := make(chan error, 1)
	go func() { storeDone <- store.Run(storeCtx) }()
	defer func() { stopStore(); <-storeDone }()

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
	}
	if ready, err := awaitRegistry(ctx, store.Wait, g, gctx, stopAll); !ready {
		return err
	}
	for _, r := range runners {
		g.Go(func() error { return r.Run(gctx) })
	}
	log.Info("postload is running", zap.Stringer("roles", cfg.Roles), zap.String("listen", "http://"+servers[0].ln.Addr().String()),
		zap.String("api", "http://"+servers[0].ln.Addr().String()+hook.BasePath), zap.Strings("brokers", brokers))
	if ready != nil {
		ready(servers[0].ln.Addr().String(), brokers)
	}
	err = g.Wait()
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

// server is one HTTP listener of serve.
type server struct {
	name, addr string
	handler    http.Handler
	ln         net.Listener
}

func (s *server) listen() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("--%s %s: %w", s.name, s.addr, err)
	}
	s.ln = ln
	return nil
}

// run serves until ctx is done, then shuts down within 5 s.
func (s *server) run(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-done
}

// roleRunners builds the consumer groups (and the email sender) of the
// configured roles.
func roleRunners(cfg serveConfig, brokers []string, topics topicNames, store *hook.Store, disp *dispatcher.Dispatcher, m *metrics, log *zap.Logger) ([]runner, error) {
	groupCfg := func(id string, topics ...string) consumer.GroupConfig {
		return consumer.GroupConfig{
			Brokers: brokers, GroupID: id, Topics: topics,
			MaxInFlight: cfg.MaxInFlight, MaxInFlightPerPartition: cfg.MaxPerPart,
			DrainTimeout: cfg.DrainTimeout, SessionTimeout: cfg.SessionTimeout, Log: log.Named("consumer"),
		}
	}
	var out []runner
	add := func(gc consumer.GroupConfig, h consumer.HandlerFunc) error {
		g, err := consumer.NewGroup(gc, h)
		if err != nil {
			return err
		}
		out = append(out, g)
		m.groups[gc.GroupID] = g
		return nil
	}
	if cfg.Roles.dispatch || cfg.Roles.retry {
		m.disp = disp
	}
	if cfg.Roles.dispatch {
		if err := add(groupCfg(cfg.Group, topics.Completed, topics.Rejected), func(ctx context.Context, m consumer.Message) error {
			return disp.HandleEvent(ctx, source(m), m.Value)
		}); err != nil {
			return nil, err
		}
	}
	if cfg.Roles.retry {
		rc := groupCfg(cfg.Group+".retry", topics.Retry...)
		rc.Gate = func(ctx context.Context, m consumer.Message) error { return disp.WaitDue(ctx, m.Value) }
		if err := add(rc, func(ctx context.Context, m consumer.Message) error {
			return disp.HandleRetry(ctx, source(m), m.Value)
		}); err != nil {
			return nil, err
		}
	}
	if cfg.Roles.email {
		mail, err := email.New(email.Config{
			From: cfg.SMTPFrom, SMTPURL: cfg.SMTPURL, OutboxDir: filepath.Join(cfg.DataDir, "outbox"),
			DigestWindow: cfg.DigestWindow, FailedLoadWindow: cfg.FailedWindow, Log: log.Named("email"),
			// Pending digests are sent on shutdown before the groups cancel
			// the records waiting for them.
			FlushTimeout: cfg.DrainTimeout * 3 / 4,
		}, store)
		if err != nil {
			return nil, err
		}
		out = append(out, mail)
		m.mail = mail
		// A record folded into a digest (or a failed-load batch) is finished
		// only when that email is sent, so these groups hold many records in
		// flight; dead letters and failed loads have groups of their own so
		// that waiting failed loads never delay a hook's first email.
		emailGroup := func(id, topic string, handle func(context.Context, []byte) error) error {
			gc := groupCfg(id, topic)
			gc.MaxInFlightPerPartition, gc.MaxInFlight = 10000, 40000
			return add(gc, func(ctx context.Context, m consumer.Message) error {
				err := handle(ctx, m.Value)
				if errors.Is(err, email.ErrInvalid) {
					return disp.Invalid(ctx, source(m), m.Value, err)
				}
				return err
			})
		}
		if err := emailGroup(cfg.Group+".email", topics.DLQ, mail.HandleDeadLetter); err != nil {
			return nil, err
		}
		if err := emailGroup(cfg.Group+".email-failed", topics.Failed, mail.HandleLoadFailure); err != nil {
			return nil, err
		}
		if cfg.SMTPURL == "" {
			log.Info("no --smtp-url: emails are written as .eml files", zap.String("outbox", filepath.Join(cfg.DataDir, "outbox")))
		}
	}
	return out, nil
}

func source(m consumer.Message) dispatcher.Source {
	return dispatcher.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Progress: m}
}

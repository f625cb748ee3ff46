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

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/email"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/token"
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
		cluster, err = startEmbedded(cfg.EmbeddedAddr, cfg.DataDir, cfg.RetentionInterval)
		if err != nil {
			return err
		}
		defer cluster.Close() // last: everything else has stopped
		brokers = cluster.ListenAddrs()
		log.Info("embedded Kafka broker running", zap.Strings("addr", brokers), zap.String("data_dir", cfg.DataDir))
	}
	cfg.MaxEventBytes = cmp.Or(cfg.MaxEventBytes, dispatcher.DefaultMaxEventBytes)
	// The Kafka client of everything but the groups' own fetching: the
	// registry, the DLQ routes, the email role, takeovers, retention.
	kafka, err := consumer.NewClient(consumer.ClientConfig{Brokers: brokers, Log: log.Named("kafka")})
	if err != nil {
		return err
	}
	defer kafka.Close() // after everything that uses it has stopped
	topics := newTopicNames(cfg.TopicPrefix, len(cfg.RetryDelays))
	err = ensureTopics(ctx, brokers, topics.specs(cfg.Partitions, cfg.Retention, cfg.RetentionBytes, cfg.MaxEventBytes), log)
	var trim runner
	if err == nil && cluster != nil {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		trim, err = embeddedRetention(tctx, cluster, brokers, kafka, cfg, topics, log)
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
		Kafka: kafka, HooksTopic: topics.Hooks, RecipientsTopic: topics.Recipients, IDsTopic: topics.IDs,
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
	scanner := consumer.NewScanner(kafka) // for takeovers after a crash
	disp, err := dispatcher.New(dispatcher.Config{
		InvalidTopic: topics.Invalid, RetryTopics: topics.Retry, RetryDelays: cfg.RetryDelays, NoGroups: cfg.NoRetryGroups,
		DLQTopic: topics.DLQ, Endpoints: cfg.Breaker, MaxEventBytes: cfg.MaxEventBytes, Log: log.Named("dispatch"), Observer: m,
		Traces: scanner,
	}, store, writer, sender)
	if err != nil {
		return err
	}
	defer disp.Close() // after every group has stopped

	runners, err := roleRunners(cfg, brokers, kafka, topics, store, disp, writer, m, log)
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
		dcfg := dlqConfig(kafka, topics, log)
		if err := dcfg.Validate(); err != nil {
			return err
		}
		srv, err := httpapi.New(httpapi.Config{
			Tokens: tokens, Registry: store, DeadLetters: dlq.NewQueue(dcfg, store, writer, time.Now), Log: log.Named("api"),
		})
		if err != nil {
			return err
		}
		apiMux.Handle(httpapi.BasePath+"/", srv)
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
		zap.String("api", "http://"+servers[0].ln.Addr().String()+httpapi.BasePath), zap.Strings("brokers", brokers))
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
func roleRunners(cfg serveConfig, brokers []string, kafka *consumer.Client, topics topicNames, store *hook.Store, disp *dispatcher.Dispatcher, writer *consumer.Writer, m *metrics, log *zap.Logger) ([]runner, error) {
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
		poison, err := newPoison(cfg, topics, writer, m, log)
		if err != nil {
			return nil, err
		}
		mail, err := newMailer(cfg, kafka, topics, store, poison, log)
		if err != nil {
			return nil, err
		}
		out = append(out, mail)
		m.mail = mail
		// load-failed is keyed by whatever the loader chose; re-keyed by
		// client id, every failed load of an account reaches the one owner
		// of its window. One record at a time per partition, in order: the
		// owner counts a record forwarded twice once, by its source offset.
		fc := groupCfg(cfg.Group+".email-failed", topics.Failed)
		fc.MaxInFlightPerPartition = 1
		if err := add(fc, poison.Wrap(forwardFailedLoads(topics, writer))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newPoison puts the records of the email groups that do not decode on
// the invalid topic, as the dispatcher does the events'.
func newPoison(cfg serveConfig, topics topicNames, writer *consumer.Writer, m *metrics, log *zap.Logger) (*consumer.Poison, error) {
	return consumer.NewPoison(consumer.PoisonConfig{
		Topic: topics.Invalid, MaxRecordBytes: dispatcher.RecordBytes(cfg.MaxEventBytes), Counted: m.Invalid, Log: log.Named("email"),
	}, writer)
}

// newMailer is the email role's Sender: it consumes postload.dlq and the
// re-keyed failed loads in group <group>.email, keeping its windows in
// postload.email-windows.
func newMailer(cfg serveConfig, kafka *consumer.Client, topics topicNames, store *hook.Store, poison *consumer.Poison, log *zap.Logger) (*email.Sender, error) {
	outbox := filepath.Join(cfg.DataDir, "outbox")
	if cfg.SMTPURL == "" {
		log.Info("no --smtp-url: emails are written as .eml files", zap.String("outbox", outbox))
	}
	return email.New(email.Config{
		From: cfg.SMTPFrom, SMTPURL: cfg.SMTPURL, OutboxDir: outbox,
		DigestWindow: cfg.DigestWindow, FailedLoadWindow: cfg.FailedWindow,
		Kafka: kafka, GroupID: cfg.Group + ".email", SessionTimeout: cfg.SessionTimeout,
		DeadLetterTopic: topics.DLQ, FailedLoadsTopic: topics.EmailFailed, StateTopic: topics.EmailState,
		Invalid: func(ctx context.Context, src email.Source, key, value []byte, err error) error {
			return poison.Publish(ctx, consumer.Message{Topic: src.Topic, Partition: src.Partition, Offset: src.Offset, Key: key, Value: value}, err)
		},
		Log: log.Named("email"),
	}, store)
}

// forwardFailedLoads re-keys each failed load by client id onto
// postload.email-failed-loads; an invalid one is an error wrapping
// email.ErrInvalid, which the poison wrapper puts on postload.invalid.
func forwardFailedLoads(topics topicNames, writer *consumer.Writer) consumer.HandlerFunc {
	return func(ctx context.Context, m consumer.Message) error {
		key, value, err := email.Forward(email.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}, m.Value)
		if err != nil {
			return err
		}
		return writer.Publish(ctx, topics.EmailFailed, key, value)
	}
}

func source(m consumer.Message) dispatcher.Source {
	return dispatcher.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Time: m.Time, Progress: m}
}

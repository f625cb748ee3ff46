package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/token"
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
	return serve(ctx, cfg, log, nil)
}

// serve runs every role until ctx is done. ready, if set, is called with
// the API's address and the brokers once everything runs (tests use it).
func serve(ctx context.Context, cfg serveConfig, log *zap.Logger, ready func(apiAddr string, brokers []string)) error {
	brokers := cfg.Brokers
	if cfg.embedded() {
		cluster, err := startEmbedded(cfg.EmbeddedAddr, cfg.DataDir)
		if err != nil {
			return err
		}
		defer cluster.Close()
		brokers = cluster.ListenAddrs()
		log.Info("embedded Kafka broker running", zap.Strings("addr", brokers), zap.String("data_dir", cfg.DataDir))
	}
	topics := newTopicNames(cfg.TopicPrefix, len(cfg.RetryDelays))
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := consumer.EnsureTopics(tctx, brokers, topics.specs(cfg.Partitions, cfg.Retention, cfg.RetentionBytes))
	cancel()
	if err != nil {
		return fmt.Errorf("%w (are the brokers %v reachable?)", err, brokers)
	}

	tokens, err := token.Open(cfg.TokensFile, log.Named("tokens"))
	if err != nil {
		return err
	}
	policy := egress.NewPolicy(cfg.AllowNetworks)
	store, err := hook.NewStore(hook.Config{
		Brokers: brokers, HooksTopic: topics.Hooks, RecipientsTopic: topics.Recipients, IDsTopic: topics.IDs,
		CheckURL: policy.CheckURL,
	}, log.Named("registry"))
	if err != nil {
		return err
	}
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
	writer := consumer.NewWriter(brokers, log)
	defer writer.Close() // after every group has drained: deferred first, runs last but one
	disp, err := dispatcher.New(dispatcher.Config{
		InvalidTopic: topics.Invalid, RetryTopics: topics.Retry, RetryDelays: cfg.RetryDelays,
		DLQTopic: topics.DLQ, Endpoints: cfg.Breaker, Log: log.Named("dispatch"),
	}, store, writer, sender)
	if err != nil {
		return err
	}

	// The registry runs until everything else has stopped.
	storeCtx, stopStore := context.WithCancel(context.WithoutCancel(ctx))
	storeDone := make(chan error, 1)
	go func() { storeDone <- store.Run(storeCtx) }()
	defer func() { stopStore(); <-storeDone }()
	if err := store.Wait(ctx); err != nil {
		return fmt.Errorf("waiting for the hook registry to catch up: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.Listen, err)
	}
	api := &http.Server{
		Handler:           hook.NewHandler(store, tokens, log.Named("api")),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}

	groupCfg := func(id string, topics ...string) consumer.GroupConfig {
		return consumer.GroupConfig{
			Brokers: brokers, GroupID: id, Topics: topics,
			MaxInFlight: cfg.MaxInFlight, MaxInFlightPerPartition: cfg.MaxPerPart,
			DrainTimeout: cfg.DrainTimeout, SessionTimeout: cfg.SessionTimeout, Log: log.Named("consumer"),
		}
	}
	events, err := consumer.NewGroup(groupCfg(cfg.Group, topics.Completed, topics.Rejected), consumer.HandlerFunc(func(ctx context.Context, m consumer.Message) error {
		return disp.HandleEvent(ctx, source(m), m.Value)
	}))
	if err != nil {
		return err
	}
	retryCfg := groupCfg(cfg.Group+".retry", topics.Retry...)
	retryCfg.Gate = func(ctx context.Context, m consumer.Message) error { return disp.WaitDue(ctx, m.Value) }
	retries, err := consumer.NewGroup(retryCfg, consumer.HandlerFunc(func(ctx context.Context, m consumer.Message) error {
		return disp.HandleRetry(ctx, source(m), m.Value)
	}))
	if err != nil {
		return err
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return events.Run(gctx) })
	g.Go(func() error { return retries.Run(gctx) })
	g.Go(func() error {
		if err := api.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
		defer cancel()
		return api.Shutdown(sctx)
	})
	log.Info("postload is running", zap.String("api", "http://"+ln.Addr().String()+hook.BasePath), zap.Strings("brokers", brokers), zap.String("tokens_file", cfg.TokensFile))
	if ready != nil {
		ready(ln.Addr().String(), brokers)
	}
	err = g.Wait()
	log.Info("postload stopped")
	return err
}

func source(m consumer.Message) dispatcher.Source {
	return dispatcher.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key}
}

package main

import (
	"context"
	"fmt"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/email"
)

// roleRunners builds the consumer groups (and the email sender) of the
// configured roles.
func roleRunners(cfg serveConfig, p *parts, log *zap.Logger) ([]runner, error) {
	var out []runner
	add := func(gc consumer.GroupConfig, h consumer.HandlerFunc) error {
		gc.Log = log.Named("consumer")
		g, err := consumer.NewGroup(gc, h)
		if err != nil {
			return err
		}
		out = append(out, g)
		p.m.groups[gc.GroupID] = g
		return nil
	}
	disp, topics := p.disp, p.topics
	if cfg.Roles.dispatch || cfg.Roles.retry {
		p.m.disp = disp
	}
	if cfg.Roles.dispatch {
		if err := add(cfg.groupConfig(p.brokers, cfg.Group, topics.Completed, topics.Rejected), func(ctx context.Context, m consumer.Message) error {
			return disp.HandleEvent(ctx, source(m), m.Value)
		}); err != nil {
			return nil, err
		}
	}
	if cfg.Roles.retry {
		rc := cfg.groupConfig(p.brokers, cfg.Group+".retry", topics.Retry...)
		rc.Gate = func(ctx context.Context, m consumer.Message) error { return disp.WaitDue(ctx, m.Value) }
		if err := add(rc, func(ctx context.Context, m consumer.Message) error {
			return disp.HandleRetry(ctx, source(m), m.Value)
		}); err != nil {
			return nil, err
		}
	}
	if p.log.auto != nil {
		out = append(out, p.log.auto) // the index feeds it
	}
	if cfg.Roles.email {
		mail, failed, err := emailRole(cfg, p, log)
		if err != nil {
			return nil, err
		}
		out = append(out, mail)
		p.m.mail = mail
		if err := add(failed.gc, failed.h); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// groupRole is a consumer group of a role and its handler.
type groupRole struct {
	gc consumer.GroupConfig
	h  consumer.HandlerFunc
}

// emailRole is the email role: its Sender, and the group that re-keys
// the failed loads.
func emailRole(cfg serveConfig, p *parts, log *zap.Logger) (*email.Sender, groupRole, error) {
	poison, err := newPoison(cfg, p, log)
	if err != nil {
		return nil, groupRole{}, err
	}
	mail, err := newMailer(cfg, p, poison, log)
	if err != nil {
		return nil, groupRole{}, err
	}
	// load-failed is keyed by whatever the loader chose; re-keyed by
	// client id, every failed load of an account reaches the one owner
	// of its window. One record at a time per partition, in order: the
	// owner counts a record forwarded twice once, by its source offset.
	fc := cfg.groupConfig(p.brokers, cfg.Group+".email-failed", p.topics.Failed)
	fc.MaxInFlightPerPartition = 1
	return mail, groupRole{fc, poison.Wrap(forwardFailedLoads(p.topics, p.writer))}, nil
}

// newPoison puts the records of the email groups that do not decode on
// the invalid topic, as the dispatcher does the events'.
func newPoison(cfg serveConfig, p *parts, log *zap.Logger) (*consumer.Poison, error) {
	return consumer.NewPoison(consumer.PoisonConfig{
		Topic: p.topics.Invalid, MaxRecordBytes: dispatcher.RecordBytes(cfg.MaxEventBytes), Counted: p.m.Invalid, Log: log.Named("email"),
	}, p.writer)
}

// newMailer is the email role's Sender: it consumes postload.dlq and the
// re-keyed failed loads in group <group>.email, keeping its windows in
// postload.email-windows.
func newMailer(cfg serveConfig, p *parts, poison *consumer.Poison, log *zap.Logger) (*email.Sender, error) {
	outbox := filepath.Join(cfg.DataDir, "outbox")
	if cfg.SMTPURL == "" {
		log.Info("no --smtp-url: emails are written as .eml files", zap.String("outbox", outbox))
	}
	mail, err := email.New(email.Config{
		From: cfg.SMTPFrom, SMTPURL: cfg.SMTPURL, OutboxDir: outbox,
		DigestWindow: cfg.DigestWindow, FailedLoadWindow: cfg.FailedWindow,
		Kafka: p.client, GroupID: cfg.Group + ".email", SessionTimeout: cfg.SessionTimeout,
		DeadLetterTopic: p.topics.DLQ, FailedLoadsTopic: p.topics.EmailFailed, StateTopic: p.topics.EmailState,
		Invalid: func(ctx context.Context, src email.Source, key, value []byte, err error) error {
			return poison.Publish(ctx, consumer.Message{Topic: src.Topic, Partition: src.Partition, Offset: src.Offset, Key: key, Value: value}, err)
		},
		Log: log.Named("email"),
	}, p.store)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url, --smtp-from, --digest-window, --failed-load-window: %w", err)
	}
	return mail, nil
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

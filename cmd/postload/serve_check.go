package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/autodisable"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
)

// validate reports what to fix in c, each message naming the flag. The
// settings a package owns are judged by the package's Validate, whose
// error the message wraps; serve's own flags are judged here. The email
// role's and the registry's settings are judged when serve makes them
// (newMailer, newRegistry): their configs need the Kafka client.
func (c serveConfig) validate() error {
	return errors.Join(c.validateAddresses(), c.validateOwn(), c.validateSettings())
}

// validateAddresses checks the addresses serve listens on and dials.
func (c serveConfig) validateAddresses() error {
	var errs []error
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("--brokers: %q is not host:port", b))
		}
	}
	for _, l := range []struct{ name, addr string }{{"listen", c.Listen}, {"metrics-listen", c.MetricsListen}, {"console-addr", c.ConsoleAddr}, {"operator-addr", c.OperatorAddr}} {
		if l.addr == "" && l.name != "listen" {
			continue
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %q is not host:port (e.g. 127.0.0.1:8080)", l.name, l.addr))
		}
	}
	if c.OperatorAddr != "" && c.OperatorTokenFile == "" {
		errs = append(errs, errors.New("--operator-addr: the operator's view needs a token: give --operator-token-file, "+operatorTokenHint))
	}
	if c.ConsoleAddr != "" && !c.Roles.api {
		errs = append(errs, errors.New("--console-addr: the console runs with the api role: add api to --roles or drop --console-addr"))
	}
	return errors.Join(errs...)
}

// validateOwn checks the flags serve itself uses: where it keeps its
// files, the topics it creates, its logs.
func (c serveConfig) validateOwn() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty: give a directory"))
	}
	if c.Group == "" {
		errs = append(errs, errors.New("--group is empty"))
	}
	if c.Partitions < 1 {
		errs = append(errs, fmt.Errorf("--partitions %d: need at least 1", c.Partitions))
	}
	if c.Retention <= 0 {
		errs = append(errs, fmt.Errorf("--retention %v: give a positive duration, e.g. 168h", c.Retention))
	}
	if c.RetentionBytes < 0 {
		errs = append(errs, errors.New("--retention-bytes must not be negative"))
	}
	if c.DeliveryLogRetention < 0 || c.DeliveryLogRetentionBytes < 0 {
		errs = append(errs, errors.New("--delivery-log-retention and --delivery-log-retention-bytes must not be negative (0: the default)"))
	}
	if c.LogFormat != "console" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want console or json", c.LogFormat))
	}
	if c.CAFile != "" {
		if _, err := loadCAs(c.CAFile); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validateSettings has the packages judge the settings they own.
func (c serveConfig) validateSettings() error {
	var errs []error
	if err := c.Breaker.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--breaker-* and --endpoint-* (--breaker-failure-ratio in (0,1], the others not negative; 0: the default): %w", err))
	}
	if err := (dispatcher.Config{MaxEventBytes: c.MaxEventBytes}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--max-event-bytes %d: %w", c.MaxEventBytes, err))
	}
	if c.RetryDelays != nil {
		if err := (dispatcher.Config{RetryDelays: c.RetryDelays}).Validate(); err != nil {
			errs = append(errs, fmt.Errorf("--retry-delays: %w", err))
		}
	}
	if err := (dispatcher.ClientConfig{AttemptTimeout: c.AttemptTimeout}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--attempt-timeout %v: %w", c.AttemptTimeout, err))
	}
	if err := (egress.DialerConfig{SourceAddr: c.SourceAddr}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--source-addr: %w", err))
	}
	if c.Group != "" {
		gc := c.groupConfig(c.bootstrap(), c.Group, newTopicNames(c.TopicPrefix, 0).Completed)
		if err := gc.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("--max-in-flight, --max-in-flight-per-partition, --drain-timeout, --session-timeout: %w", err))
		}
	}
	if err := (attemptlog.IndexConfig{Kafka: noKafka{}, PerHook: c.DeliveryLogPerHook, MaxBytes: c.DeliveryLogIndexBytes}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--delivery-log-index-per-hook, --delivery-log-index-bytes: %w", err))
	}
	if err := (autodisable.Config{After: c.AutoDisableAfter, MinFailures: c.AutoDisableMinFailures}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--auto-disable-after (0: off), --auto-disable-min-failures (0: the default): %w", err))
	}
	if c.embedded() {
		if err := c.embeddedConfig().Validate(); err != nil {
			errs = append(errs, fmt.Errorf("--embedded-addr, --data-dir, --retention-interval: %w", err))
		}
	}
	return errors.Join(errs...)
}

// bootstrap are the brokers serve reaches first: --brokers, or the
// embedded broker's address.
func (c serveConfig) bootstrap() []string {
	if c.embedded() {
		return []string{c.EmbeddedAddr}
	}
	return c.Brokers
}

// loadCAs returns the system pool plus the certificates in file.
func loadCAs(file string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if file == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", file)
	}
	return pool, nil
}

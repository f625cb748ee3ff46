package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/autodisable"
	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/email"
	"github.com/postload/postload/embedded"
	"github.com/postload/postload/hook"
)

// serveConfig is everything `postload serve` is told. A zero setting that
// a package owns (the consumer groups', the dispatcher's, the email
// role's, the registry's, the embedded broker's) stands for the package's
// default, as in the package's config.
type serveConfig struct {
	Brokers       []string // empty: embedded broker
	EmbeddedAddr  string
	Listen        string
	MetricsListen string
	ConsoleAddr   string // empty: the console is on Listen
	// OperatorAddr: the operator's view; empty: none. OperatorTokenFile
	// holds its token.
	OperatorAddr      string
	OperatorTokenFile string
	CPUProfile        string
	DataDir           string
	TokensFile        string
	CAFile            string
	TopicPrefix       string
	Group             string
	Partitions        int
	RetryDelays       []time.Duration
	NoRetryGroups     bool // --retry-groups=false
	AttemptTimeout    time.Duration
	HTTP2             bool // --http2: HTTP/2 with receivers that offer it
	DrainTimeout      time.Duration
	SessionTimeout    time.Duration
	MaxInFlight       int
	Breaker           dispatcher.EndpointConfig
	AllowNetworks     []netip.Prefix // opened in the SSRF guard
	SourceAddr        netip.Addr     // zero: any
	MaxPerPart        int
	MaxEventBytes     int
	Retention         time.Duration
	RetentionBytes    int64
	// RetentionInterval: how often the embedded broker applies retention
	// (and postload trims what was read).
	RetentionInterval time.Duration
	LogFormat         string
	LogLevel          string
	Roles             roles
	RotationOverlap   time.Duration
	SMTPURL           string
	SMTPFrom          string
	DigestWindow      time.Duration
	FailedWindow      time.Duration
	// NoDeliveryLog: --delivery-log=false.
	NoDeliveryLog bool
	// AutoDisableAfter: 0 turns auto-disable off (not a default).
	AutoDisableAfter       time.Duration
	AutoDisableMinFailures int
	// The delivery log's topic and index (see attemptlog).
	DeliveryLogRetention      time.Duration
	DeliveryLogRetentionBytes int64
	DeliveryLogPerHook        int
	DeliveryLogIndexBytes     int64
}

func (c serveConfig) embedded() bool { return len(c.Brokers) == 0 }

// Defaults of serve's own flags; a package's setting has the package's
// default.
const (
	defaultListen    = "127.0.0.1:8080"
	defaultDataDir   = "./postload-data"
	defaultGroup     = "postload"
	defaultRetention = 7 * 24 * time.Hour
	defaultLogLevel  = "info"
	// defaultPartitions: of the topics postload creates.
	defaultPartitions = 4
)

// serveText is what serve's flags give as text, parsed once they are read.
type serveText struct {
	brokers, retryDelays, allowNetworks, sourceAddr, roles string
	retryGroups, deliveryLog                               bool
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	f := newFlags("serve", getenv, stderr)
	var c serveConfig
	var t serveText
	c.processFlags(f, &t)
	c.kafkaFlags(f, &t)
	c.deliveryFlags(f, &t)
	c.endpointFlags(f)
	c.emailFlags(f)
	c.deliveryLogFlags(f, &t)
	if err := f.parse(args); err != nil {
		return serveConfig{}, err
	}
	errs := c.parseText(t)
	c.setModeDefaults()
	return c, errors.Join(append(errs, c.validate())...)
}

// processFlags are what the process runs and where it listens, keeps its
// files and logs.
func (c *serveConfig) processFlags(f *flags, t *serveText) {
	twinVar(f, f.StringVar, &t.roles, "roles", strings.Join(roleNames, ","), "the parts this process runs: api, dispatch (first attempts), retry (the tiers), email")
	twinVar(f, f.StringVar, &c.Listen, "listen", defaultListen, "address of the hook API")
	twinVar(f, f.StringVar, &c.MetricsListen, "metrics-listen", "", "serve /metrics, /healthz and /readyz here instead of on --listen")
	twinVar(f, f.StringVar, &c.ConsoleAddr, "console-addr", "", "serve the web console (/console/) here instead of on --listen")
	twinVar(f, f.StringVar, &c.OperatorAddr, "operator-addr", "", "serve the operator's view (/operator/: every account's open breakers, dead letters, consumer lag, disabled hooks) here; off when empty; needs --operator-token-file")
	twinVar(f, f.StringVar, &c.OperatorTokenFile, "operator-token-file", "", "file holding the operator's token (one line, at least 16 characters), for --operator-addr")
	twinVar(f, f.StringVar, &c.DataDir, "data-dir", defaultDataDir, "directory for the embedded broker, tokens and outbox")
	twinVar(f, f.StringVar, &c.TokensFile, "tokens-file", "", "API tokens file (default <data-dir>/tokens)")
	twinVar(f, f.DurationVar, &c.RotationOverlap, "secret-rotation-overlap", hook.DefaultRotationOverlap, "after a hook's secret is rotated, how long requests carry a signature with the previous secret too (0: the default)")
	twinVar(f, f.StringVar, &c.CPUProfile, "cpu-profile", "", "write a CPU profile of the whole run to this file (for benchmarking)")
	twinVar(f, f.StringVar, &c.LogFormat, "log-format", "", "console or json (default console when embedded, json otherwise)")
	twinVar(f, f.StringVar, &c.LogLevel, "log-level", defaultLogLevel, "debug, info, warn or error")
}

// kafkaFlags are the brokers, the topics postload creates and its
// consumer groups.
func (c *serveConfig) kafkaFlags(f *flags, t *serveText) {
	twinVar(f, f.StringVar, &t.brokers, "brokers", "", "Kafka bootstrap brokers host:port,...; empty runs the embedded broker")
	twinVar(f, f.StringVar, &c.EmbeddedAddr, "embedded-addr", embedded.DefaultAddr, "where the embedded broker listens")
	twinVar(f, f.StringVar, &c.TopicPrefix, "topic-prefix", "", "prefix for every topic name")
	twinVar(f, f.StringVar, &c.Group, "group", defaultGroup, "consumer group id (the retry tiers use <group>.retry)")
	twinVar(f, f.IntVar, &c.Partitions, "partitions", defaultPartitions, "partitions of the topics postload creates")
	twinVar(f, f.DurationVar, &c.Retention, "retention", defaultRetention, "age past which records of the data topics are deleted (with --brokers by the broker, read or not; embedded only once every consumer group reading the topic has read them)")
	twinVar(f, f.Int64Var, &c.RetentionBytes, "retention-bytes", 0, "size per partition past which the oldest records of the data topics are deleted, as for --retention (default 64 MiB embedded, where it bounds the records already read; the broker's default otherwise)")
	twinVar(f, f.DurationVar, &c.RetentionInterval, "retention-interval", embedded.DefaultInterval, "with the embedded broker: how often retention is applied (the broker's cleaner, and postload's trimming of what was read; 0: the default)")
	twinVar(f, f.DurationVar, &c.DrainTimeout, "drain-timeout", consumer.DefaultDrainTimeout, "on shutdown, how long in-flight deliveries may finish before they are handed to the retry tier; below --session-timeout (0: the default)")
	twinVar(f, f.DurationVar, &c.SessionTimeout, "session-timeout", consumer.DefaultSessionTimeout, "consumer group session timeout: how soon a dead process's partitions move to the others (0: the default)")
	twinVar(f, f.IntVar, &c.MaxInFlight, "max-in-flight", consumer.DefaultMaxInFlight, "unfinished messages per consumer group in this process (0: the default)")
	twinVar(f, f.IntVar, &c.MaxPerPart, "max-in-flight-per-partition", consumer.DefaultMaxInFlightPerPartition, "unfinished messages per partition (0: the default)")
}

// deliveryFlags are how a delivery is attempted and handed on.
func (c *serveConfig) deliveryFlags(f *flags, t *serveText) {
	twinVar(f, f.StringVar, &t.retryDelays, "retry-delays", formatDurations(dispatcher.DefaultRetryDelays), fmt.Sprintf("delay of each retry tier; their number (at most %d) is the number of retries", dispatcher.MaxRetries))
	twinVar(f, f.BoolVar, &t.retryGroups, "retry-groups", true, "hand deliveries that a hook's breaker or bulkhead refused on to the tiers in group records (false: one record each, which versions without group records expect: keep it false until every instance reads groups, and set it before rolling back to such a version, then wait out the tiers)")
	twinVar(f, f.DurationVar, &c.AttemptTimeout, "attempt-timeout", dispatcher.DefaultAttemptTimeout, "limit for one whole attempt (0: the default)")
	twinVar(f, f.IntVar, &c.MaxEventBytes, "max-event-bytes", dispatcher.DefaultMaxEventBytes, fmt.Sprintf("largest load event delivered, in bytes, %d to %d; a larger one goes to postload.invalid. Every record about an event carries it, so the topics postload creates take records of about twice this size (0: the default)", dispatcher.MinEventBytes, dispatcher.MaxEventBytes))
	twinVar(f, f.StringVar, &c.CAFile, "ca-file", "", "PEM file of extra CAs to trust for hook servers (e.g. the one `postload receive` writes)")
	twinVar(f, f.StringVar, &t.allowNetworks, "allow-networks", "", "address ranges hooks may reach despite the SSRF guard, e.g. 10.1.0.0/16,fd00::/8; replaces the default (loopback when embedded, nothing with --brokers)")
	twinVar(f, f.StringVar, &t.sourceAddr, "source-addr", "", "local address outgoing webhook connections are bound to (for receivers' allow-lists)")
}

// endpointFlags are the circuit breaker and the bulkhead of each hook URL.
func (c *serveConfig) endpointFlags(f *flags) {
	b := &c.Breaker
	twinVar(f, f.IntVar, &b.MinRequests, "breaker-min-requests", dispatcher.DefaultMinRequests, "attempts in the window before a hook's breaker may open (0: the default)")
	twinVar(f, f.Float64Var, &b.FailureRatio, "breaker-failure-ratio", dispatcher.DefaultFailureRatio, "share of failed attempts in the window that opens the breaker, in (0,1] (0: the default)")
	twinVar(f, f.DurationVar, &b.Window, "breaker-window", dispatcher.DefaultWindow, "rolling window of the breaker's counts (0: the default)")
	twinVar(f, f.DurationVar, &b.OpenTimeout, "breaker-open-timeout", dispatcher.DefaultOpenTimeout, "how long an open breaker waits before one probe (0: the default)")
	twinVar(f, f.IntVar, &b.MaxConcurrent, "endpoint-concurrency", dispatcher.DefaultMaxConcurrent, "requests in flight to one hook URL at most (bulkhead; 0: the default)")
	twinVar(f, f.IntVar, &b.HostMaxConcurrent, "host-concurrency", dispatcher.DefaultHostMaxConcurrent, "requests in flight to one host (scheme, host, port) at most, whatever its URLs and accounts, shared in fair turns between accounts and their URLs; postload keeps as many connections to the host (0: the default)")
	twinVar(f, f.BoolVar, &c.HTTP2, "http2", true, "use HTTP/2 with receivers that offer it, HTTP/1.1 with the others (false: HTTP/1.1 to every receiver); either way at most --host-concurrency requests, and connections, per host (see docs/benchmarks.md, Protocol)")
	twinVar(f, f.DurationVar, &b.SlotWait, "endpoint-slot-wait", dispatcher.DefaultSlotWait, "an endpoint whose slots are all taken and that is watched finishing no request for this long is saturated: its deliveries are deferred to their tier without a request, not counted as attempts (0: the default)")
}

// emailFlags are where the email role sends and how it folds.
func (c *serveConfig) emailFlags(f *flags) {
	twinVar(f, f.StringVar, &c.SMTPURL, "smtp-url", "", "SMTP server: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; empty writes emails to <data-dir>/outbox")
	twinVar(f, f.StringVar, &c.SMTPFrom, "smtp-from", email.DefaultFrom, "sender address of the emails")
	twinVar(f, f.DurationVar, &c.DigestWindow, "digest-window", email.DefaultDigestWindow, "after a hook's first dead letter is mailed, its further dead letters within this window go out as one digest (0: the default)")
	twinVar(f, f.DurationVar, &c.FailedWindow, "failed-load-window", email.DefaultFailedLoadWindow, "failed loads of an account are collected this long, then mailed as one email (0: the default)")
}

// deliveryLogFlags are the delivery log: its topic and the api role's
// index of it.
func (c *serveConfig) deliveryLogFlags(f *flags, t *serveText) {
	twinVar(f, f.BoolVar, &t.deliveryLog, "delivery-log", true, "record every attempt on postload.attempts, serve GET /hooks/{id}/attempts and show it in the console (false: no writes to the topic, the call answers 404, the console has no delivery log)")
	twinVar(f, f.DurationVar, &c.DeliveryLogRetention, "delivery-log-retention", attemptlog.DefaultRetention, "age past which records of postload.attempts are deleted, read or not (0: the default)")
	twinVar(f, f.Int64Var, &c.DeliveryLogRetentionBytes, "delivery-log-retention-bytes", attemptlog.DefaultRetentionBytes, "size per partition past which the oldest records of postload.attempts are deleted (0: the default)")
	twinVar(f, f.IntVar, &c.DeliveryLogPerHook, "delivery-log-index-per-hook", attemptlog.DefaultPerHook, "with the api role: the most recent attempts kept in memory per hook (0: the default)")
	twinVar(f, f.DurationVar, &c.AutoDisableAfter, "auto-disable-after", autodisable.DefaultAfter, "with the api role and the delivery log: disable a hook whose every attempt has failed for this long (with at least --auto-disable-min-failures failed attempts) and mail the account why; 0 turns auto-disable off. Keep --delivery-log-retention longer, so a restart still sees the failing streak")
	twinVar(f, f.IntVar, &c.AutoDisableMinFailures, "auto-disable-min-failures", autodisable.DefaultMinFailures, "failed attempts a hook's failing streak must hold before it is auto-disabled (0: the default)")
	twinVar(f, f.Int64Var, &c.DeliveryLogIndexBytes, "delivery-log-index-bytes", attemptlog.DefaultIndexBytes, "with the api role: memory for the attempts kept, all hooks together (their lines in blocks of 1/16 of it up to 1 MiB, plus 64 bytes an attempt); the oldest block goes first (0: the default)")
}

// parseText parses what the flags gave as text into c.
func (c *serveConfig) parseText(t serveText) []error {
	var errs []error
	var err error
	c.Brokers = splitList(t.brokers)
	c.NoRetryGroups = !t.retryGroups
	c.NoDeliveryLog = !t.deliveryLog
	if c.Roles, err = parseRoles(t.roles); err != nil {
		errs = append(errs, err)
	}
	if c.RetryDelays, err = parseDurations("retry-delays", t.retryDelays); err != nil {
		errs = append(errs, err)
	}
	if t.allowNetworks != "" {
		if c.AllowNetworks, err = egress.ParsePrefixes(t.allowNetworks); err != nil {
			errs = append(errs, fmt.Errorf("--allow-networks: %w", err))
		}
	} else if c.embedded() {
		c.AllowNetworks = egress.Loopback()
	}
	if t.sourceAddr != "" {
		if c.SourceAddr, err = netip.ParseAddr(t.sourceAddr); err != nil {
			errs = append(errs, fmt.Errorf("--source-addr %q: not an IP address", t.sourceAddr))
		}
	}
	return errs
}

// setModeDefaults sets the defaults that depend on other flags: the
// tokens file in the data dir, and those that differ with the embedded
// broker.
func (c *serveConfig) setModeDefaults() {
	if c.TokensFile == "" {
		c.TokensFile = filepath.Join(c.DataDir, "tokens")
	}
	if c.LogFormat == "" {
		c.LogFormat = "json"
		if c.embedded() {
			c.LogFormat = "console"
		}
	}
	if c.RetentionBytes == 0 && c.embedded() {
		c.RetentionBytes = embedded.DefaultRetentionBytes
	}
}

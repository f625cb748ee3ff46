package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/embedded"
)

// serveConfig is everything `postload serve` is told.
type serveConfig struct {
	Brokers        []string // empty: embedded broker
	EmbeddedAddr   string
	Listen         string
	MetricsListen  string
	CPUProfile     string
	DataDir        string
	TokensFile     string
	CAFile         string
	TopicPrefix    string
	Group          string
	Partitions     int
	RetryDelays    []time.Duration
	NoRetryGroups  bool // --retry-groups=false
	AttemptTimeout time.Duration
	DrainTimeout   time.Duration
	SessionTimeout time.Duration
	MaxInFlight    int
	Breaker        dispatcher.EndpointConfig
	AllowNetworks  []netip.Prefix // opened in the SSRF guard
	SourceAddr     netip.Addr     // zero: any
	MaxPerPart     int
	MaxEventBytes  int
	Retention      time.Duration
	RetentionBytes int64
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
}

func (c serveConfig) embedded() bool { return len(c.Brokers) == 0 }

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	f := newFlags("serve", getenv, stderr)
	brokers := f.String("brokers", "", "Kafka bootstrap brokers host:port,...; empty runs the embedded broker")
	embeddedAddr := f.String("embedded-addr", "127.0.0.1:9092", "where the embedded broker listens")
	listen := f.String("listen", "127.0.0.1:8080", "address of the hook API")
	metricsListen := f.String("metrics-listen", "", "serve /metrics, /healthz and /readyz here instead of on --listen")
	dataDir := f.String("data-dir", "./postload-data", "directory for the embedded broker, tokens and outbox")
	tokens := f.String("tokens-file", "", "API tokens file (default <data-dir>/tokens)")
	caFile := f.String("ca-file", "", "PEM file of extra CAs to trust for hook servers (e.g. the one `postload receive` writes)")
	prefix := f.String("topic-prefix", "", "prefix for every topic name")
	group := f.String("group", "postload", "consumer group id (the retry tiers use <group>.retry)")
	partitions := f.Int("partitions", 4, "partitions of the topics postload creates")
	delays := f.String("retry-delays", "30s,2m,10m,30m,1h", "delay of each retry tier; their number is the number of retries")
	retryGroups := f.Bool("retry-groups", true, "hand deliveries that a hook's breaker or bulkhead refused on to the tiers in group records (false: one record each, which versions without group records expect: keep it false until every instance reads groups, and set it before rolling back to such a version, then wait out the tiers)")
	attemptTimeout := f.Duration("attempt-timeout", 30*time.Second, "limit for one whole attempt")
	drain := f.Duration("drain-timeout", 15*time.Second, "on shutdown, how long in-flight deliveries may finish before they are handed to the retry tier")
	session := f.Duration("session-timeout", 30*time.Second, "consumer group session timeout: how soon a dead process's partitions move to the others")
	maxInFlight := f.Int("max-in-flight", 1024, "unfinished messages per consumer group in this process")
	maxPerPart := f.Int("max-in-flight-per-partition", 256, "unfinished messages per partition")
	maxEvent := f.Int("max-event-bytes", dispatcher.DefaultMaxEventBytes, "largest load event delivered, in bytes; a larger one goes to postload.invalid. Every record about an event carries it, so the topics postload creates take records of about twice this size")
	brMin := f.Int("breaker-min-requests", 10, "attempts in the window before a hook's breaker may open")
	brRatio := f.Float64("breaker-failure-ratio", 0.6, "share of failed attempts in the window that opens the breaker")
	brWindow := f.Duration("breaker-window", time.Minute, "rolling window of the breaker's counts")
	brOpen := f.Duration("breaker-open-timeout", 30*time.Second, "how long an open breaker waits before one probe")
	epConc := f.Int("endpoint-concurrency", 32, "requests in flight to one hook URL at most (bulkhead)")
	slotWait := f.Duration("endpoint-slot-wait", 500*time.Millisecond, "an endpoint whose slots are all taken and that is watched finishing no request for this long is saturated: its deliveries are deferred to their tier without a request, not counted as attempts")
	allow := f.String("allow-networks", "", "address ranges hooks may reach despite the SSRF guard, e.g. 10.1.0.0/16,fd00::/8; replaces the default (loopback when embedded, nothing with --brokers)")
	source := f.String("source-addr", "", "local address outgoing webhook connections are bound to (for receivers' allow-lists)")
	retention := f.Duration("retention", 7*24*time.Hour, "age past which records of the data topics are deleted (with --brokers by the broker, read or not; embedded only once every consumer group reading the topic has read them)")
	retentionInterval := f.Duration("retention-interval", embedded.DefaultInterval, "with the embedded broker: how often retention is applied (the broker's cleaner, and postload's trimming of what was read)")
	retentionBytes := f.Int64("retention-bytes", 0, "size per partition past which the oldest records of the data topics are deleted, as for --retention (default 64 MiB embedded, where it bounds the records already read; the broker's default otherwise)")
	overlap := f.Duration("secret-rotation-overlap", 24*time.Hour, "after a hook's secret is rotated, how long requests carry a signature with the previous secret too")
	roleList := f.String("roles", "api,dispatch,retry,email", "the parts this process runs: api, dispatch (first attempts), retry (the tiers), email")
	smtpURL := f.String("smtp-url", "", "SMTP server: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; empty writes emails to <data-dir>/outbox")
	smtpFrom := f.String("smtp-from", "postload@localhost", "sender address of the emails")
	digestWindow := f.Duration("digest-window", 15*time.Minute, "after a hook's first dead letter is mailed, its further dead letters within this window go out as one digest")
	failedWindow := f.Duration("failed-load-window", 2*time.Hour, "failed loads of an account are collected this long, then mailed as one email")
	cpuProfile := f.String("cpu-profile", "", "write a CPU profile of the whole run to this file (for benchmarking)")
	logFormat := f.String("log-format", "", "console or json (default console when embedded, json otherwise)")
	logLevel := f.String("log-level", "info", "debug, info, warn or error")
	if err := f.parse(args); err != nil {
		return serveConfig{}, err
	}
	c := serveConfig{
		Brokers: splitList(*brokers), EmbeddedAddr: *embeddedAddr, Listen: *listen, MetricsListen: *metricsListen,
		DataDir: *dataDir, TokensFile: *tokens, CAFile: *caFile, TopicPrefix: *prefix,
		Group: *group, Partitions: *partitions, AttemptTimeout: *attemptTimeout,
		DrainTimeout: *drain, SessionTimeout: *session, MaxInFlight: *maxInFlight, MaxPerPart: *maxPerPart,
		Retention: *retention, RetentionBytes: *retentionBytes, RetentionInterval: *retentionInterval, LogFormat: *logFormat, LogLevel: *logLevel,
	}
	c.RotationOverlap = *overlap
	c.MaxEventBytes = *maxEvent
	c.NoRetryGroups = !*retryGroups
	c.CPUProfile = *cpuProfile
	c.SMTPURL, c.SMTPFrom, c.DigestWindow, c.FailedWindow = *smtpURL, *smtpFrom, *digestWindow, *failedWindow
	c.Breaker = dispatcher.EndpointConfig{
		MinRequests: uint32(max(*brMin, 0)), FailureRatio: *brRatio, Window: *brWindow,
		OpenTimeout: *brOpen, MaxConcurrent: *epConc, SlotWait: *slotWait,
	}
	var errs []error
	var err error
	if c.Roles, err = parseRoles(*roleList); err != nil {
		errs = append(errs, err)
	}
	if *brMin < 1 || *epConc < 1 || *brWindow <= 0 || *brOpen <= 0 || *slotWait <= 0 || *brRatio <= 0 || *brRatio > 1 {
		errs = append(errs, errors.New("--breaker-min-requests and --endpoint-concurrency must be at least 1, --breaker-window, --breaker-open-timeout and --endpoint-slot-wait positive, --breaker-failure-ratio in (0,1]"))
	}
	if c.RetryDelays, err = parseDurations("retry-delays", *delays); err != nil {
		errs = append(errs, err)
	} else if len(c.RetryDelays) > 20 {
		errs = append(errs, fmt.Errorf("--retry-delays: %d tiers, at most 20 are supported", len(c.RetryDelays)))
	}
	if *allow != "" {
		if c.AllowNetworks, err = egress.ParsePrefixes(*allow); err != nil {
			errs = append(errs, fmt.Errorf("--allow-networks: %w", err))
		}
	} else if c.embedded() {
		c.AllowNetworks = egress.Loopback()
	}
	if *source != "" {
		if c.SourceAddr, err = netip.ParseAddr(*source); err != nil {
			errs = append(errs, fmt.Errorf("--source-addr %q: not an IP address", *source))
		}
	}
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
		// Records already read that a partition keeps, for `dlq list` and
		// replay mostly. On disk (the embedded broker's memory is about 100
		// bytes per record batch): at most 64 MiB and one 8 MiB segment
		// per partition. Unread records are kept past it.
		c.RetentionBytes = 64 << 20
	}
	errs = append(errs, c.validate())
	return c, errors.Join(errs...)
}

func (c serveConfig) validate() error {
	var errs []error
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("--brokers: %q is not host:port", b))
		}
	}
	for name, addr := range map[string]string{"listen": c.Listen, "embedded-addr": c.EmbeddedAddr, "metrics-listen": c.MetricsListen} {
		if addr == "" && name == "metrics-listen" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %q is not host:port (e.g. 127.0.0.1:8080)", name, addr))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty: give a directory"))
	}
	if c.Group == "" {
		errs = append(errs, errors.New("--group is empty"))
	}
	if c.Partitions < 1 {
		errs = append(errs, fmt.Errorf("--partitions %d: need at least 1", c.Partitions))
	}
	if c.AttemptTimeout <= 0 || c.DrainTimeout <= 0 || c.Retention <= 0 || c.SessionTimeout <= 0 {
		errs = append(errs, errors.New("--attempt-timeout, --drain-timeout, --session-timeout and --retention must be positive"))
	}
	if c.DrainTimeout >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("--drain-timeout %v must stay below --session-timeout %v, or a draining process is evicted from its group", c.DrainTimeout, c.SessionTimeout))
	}
	if c.MaxInFlight < 1 || c.MaxPerPart < 1 {
		errs = append(errs, errors.New("--max-in-flight and --max-in-flight-per-partition must be at least 1"))
	}
	if c.DigestWindow <= 0 || c.FailedWindow <= 0 || c.RotationOverlap <= 0 {
		errs = append(errs, errors.New("--digest-window, --failed-load-window and --secret-rotation-overlap must be positive"))
	}
	if c.MaxEventBytes < dispatcher.MinEventBytes || c.MaxEventBytes > dispatcher.MaxEventBytes {
		errs = append(errs, fmt.Errorf("--max-event-bytes %d: give %d (1 KiB) to %d (32 MiB)", c.MaxEventBytes, dispatcher.MinEventBytes, dispatcher.MaxEventBytes))
	}
	if c.RetentionInterval <= 0 {
		errs = append(errs, fmt.Errorf("--retention-interval %v: give a positive duration, e.g. 1m", c.RetentionInterval))
	}
	if c.RetentionBytes < 0 {
		errs = append(errs, errors.New("--retention-bytes must not be negative"))
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

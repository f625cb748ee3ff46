package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/autodisable"
	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dispatcher"
	"github.com/postload/postload/email"
	"github.com/postload/postload/embedded"
	"github.com/postload/postload/hook"
)

func TestServeFlagsSayWhatToFix(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--brokers", "kafka"}, nil, `--brokers: "kafka" is not host:port`},
		{[]string{"--listen", "8080"}, nil, `--listen: "8080" is not host:port`},
		{[]string{"--retry-delays", "30s,soon"}, nil, `--retry-delays: "soon" is not a positive duration`},
		{[]string{"--partitions", "0"}, nil, "--partitions 0: need at least 1"},
		{[]string{"--log-format", "xml"}, nil, `--log-format "xml": want console or json`},
		{[]string{"--ca-file", "/nonexistent.pem"}, nil, "--ca-file"},
		{nil, map[string]string{"POSTLOAD_ATTEMPT_TIMEOUT": "thirty"}, `POSTLOAD_ATTEMPT_TIMEOUT="thirty": want a duration`},
		{nil, map[string]string{"POSTLOAD_BROKERS": "a:1,b"}, `--brokers: "b" is not host:port`},
		{[]string{"--breaker-failure-ratio", "1.5"}, nil, "--breaker-failure-ratio in (0,1]"},
		{[]string{"--console-addr", "8081"}, nil, `--console-addr: "8081" is not host:port`},
		{[]string{"--console-addr", "127.0.0.1:8081", "--roles", "dispatch"}, nil, "--console-addr: the console runs with the api role"},
	}
	for _, tt := range tests {
		_, err := parseServe(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("args %v env %v: error %v, want it to contain %q", tt.args, tt.env, err, tt.want)
		}
	}
}

func TestServeDefaultsAndEnvTwins(t *testing.T) {
	env := map[string]string{"POSTLOAD_LISTEN": "127.0.0.1:9999", "POSTLOAD_DATA_DIR": "/tmp/x"}
	c, err := parseServe(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || c.TokensFile != "/tmp/x/tokens" || !c.embedded() || c.LogFormat != "console" || len(c.RetryDelays) != 5 {
		t.Errorf("config %+v", c)
	}
	c, err = parseServe([]string{"--brokers", "k1:9092,k2:9092", "--listen", "0.0.0.0:8080"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8080" || len(c.Brokers) != 2 || c.LogFormat != "json" || c.RetentionBytes != 0 {
		t.Errorf("flag should win over env, production defaults: %+v", c)
	}
}

// A flag of a setting a package owns defaults to the package's exported
// default: the default is written once.
func TestServeFlagDefaultsAreThePackagesDefaults(t *testing.T) {
	c, err := parseServe(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	wantBreaker := dispatcher.EndpointConfig{
		MinRequests: dispatcher.DefaultMinRequests, FailureRatio: dispatcher.DefaultFailureRatio, Window: dispatcher.DefaultWindow,
		OpenTimeout: dispatcher.DefaultOpenTimeout, MaxConcurrent: dispatcher.DefaultMaxConcurrent, HostMaxConcurrent: dispatcher.DefaultHostMaxConcurrent, SlotWait: dispatcher.DefaultSlotWait,
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"breaker and bulkhead", c.Breaker, wantBreaker},
		{"retry delays", formatDurations(c.RetryDelays), formatDurations(dispatcher.DefaultRetryDelays)},
		{"attempt timeout", c.AttemptTimeout, dispatcher.DefaultAttemptTimeout},
		{"max event bytes", c.MaxEventBytes, dispatcher.DefaultMaxEventBytes},
		{"max in flight", c.MaxInFlight, consumer.DefaultMaxInFlight},
		{"per partition", c.MaxPerPart, consumer.DefaultMaxInFlightPerPartition},
		{"drain timeout", c.DrainTimeout, consumer.DefaultDrainTimeout},
		{"session timeout", c.SessionTimeout, consumer.DefaultSessionTimeout},
		{"embedded address", c.EmbeddedAddr, embedded.DefaultAddr},
		{"retention interval", c.RetentionInterval, embedded.DefaultInterval},
		{"retention bytes, embedded", c.RetentionBytes, int64(embedded.DefaultRetentionBytes)},
		{"rotation overlap", c.RotationOverlap, hook.DefaultRotationOverlap},
		{"smtp from", c.SMTPFrom, email.DefaultFrom},
		{"digest window", c.DigestWindow, email.DefaultDigestWindow},
		{"failed-load window", c.FailedWindow, email.DefaultFailedLoadWindow},
		{"retry groups", c.NoRetryGroups, false},
		{"http2", c.HTTP2, true},
		{"auto-disable after", c.AutoDisableAfter, autodisable.DefaultAfter},
		{"auto-disable min failures", c.AutoDisableMinFailures, autodisable.DefaultMinFailures},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want the package's %v", tc.name, tc.got, tc.want)
		}
	}
	if got := formatDurations(dispatcher.DefaultRetryDelays); got != "30s,2m,10m,30m,1h" {
		t.Errorf("retry delays shown as %q", got)
	}
}

// A setting a package owns is judged by the package's rule, and the
// message names the flag: one rule, not one in cmd and one in the package.
func TestServeSettingsAreJudgedByTheirPackage(t *testing.T) {
	tests := []struct {
		args []string
		want string // part of the error; "" for none
	}{
		{[]string{"--breaker-failure-ratio", "0"}, ""}, // the package's default, as in its config
		{[]string{"--breaker-failure-ratio", "-0.5"}, "breaker failure ratio -0.5: want a share in (0,1]"},
		{[]string{"--breaker-min-requests", "-1"}, "--breaker-* and --endpoint-*"},
		{[]string{"--drain-timeout", "40s"}, "--drain-timeout"},
		{[]string{"--drain-timeout", "40s"}, "must stay below the session timeout 30s"},
		{[]string{"--drain-timeout", "40s", "--session-timeout", "1m"}, ""},
		{[]string{"--max-in-flight", "-1"}, "--max-in-flight"},
		{[]string{"--retry-delays", "1s,-1s"}, "--retry-delays: retry delay 2 is -1s"},
		{[]string{"--retry-delays", strings.Repeat("1s,", 21)}, "--retry-delays: 21 retry delays: give at most 20"},
		{[]string{"--attempt-timeout", "-1s"}, "--attempt-timeout -1s"},
		{[]string{"--source-addr", "0.0.0.0"}, "--source-addr: egress: source address 0.0.0.0 binds nothing"},
		{[]string{"--retention-interval", "-1s"}, "--retention-interval"},
		{[]string{"--embedded-addr", "9092"}, `address "9092" is not host:port`},
	}
	for _, tt := range tests {
		_, err := parseServe(tt.args, func(string) string { return "" }, io.Discard)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("args %v: error %v, want %q", tt.args, err, tt.want)
		}
	}
}

// Every twin is parsed as its flag parses its own value, in one loop: what
// a bad one takes is said per kind, a good one is used, and the command
// line wins over it.
func TestEnvTwinsParseAsTheirFlags(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string // part of the error; "" for none
		ok   func(serveConfig) bool
	}{
		{map[string]string{"POSTLOAD_RETRY_GROUPS": "maybe"}, nil, `POSTLOAD_RETRY_GROUPS="maybe": want true or false`, nil},
		{map[string]string{"POSTLOAD_PARTITIONS": "four"}, nil, `POSTLOAD_PARTITIONS="four": want a whole number`, nil},
		{map[string]string{"POSTLOAD_RETENTION_BYTES": "1GB"}, nil, `POSTLOAD_RETENTION_BYTES="1GB": want a whole number`, nil},
		{map[string]string{"POSTLOAD_BREAKER_FAILURE_RATIO": "most"}, nil, `POSTLOAD_BREAKER_FAILURE_RATIO="most": want a number`, nil},
		{map[string]string{"POSTLOAD_RETRY_GROUPS": "false", "POSTLOAD_BREAKER_FAILURE_RATIO": "0.5", "POSTLOAD_RETENTION_BYTES": "1024"}, nil, "",
			func(c serveConfig) bool {
				return c.NoRetryGroups && c.Breaker.FailureRatio == 0.5 && c.RetentionBytes == 1024
			}},
		{map[string]string{"POSTLOAD_BREAKER_FAILURE_RATIO": "0.5", "POSTLOAD_RETRY_DELAYS": "1s,2s"}, []string{"--breaker-failure-ratio", "0.7"}, "",
			func(c serveConfig) bool {
				return c.Breaker.FailureRatio == 0.7 && formatDurations(c.RetryDelays) == "1s,2s"
			}},
	} {
		c, err := parseServe(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("env %v args %v: error %v, want %q", tc.env, tc.args, err, tc.want)
		}
		if tc.ok != nil && !tc.ok(c) {
			t.Errorf("env %v args %v: config %+v", tc.env, tc.args, c)
		}
	}
}

// The email role's settings are judged when serve makes the role (its
// config needs the Kafka client), and the start-up error names the flags.
func TestServeNamesTheEmailFlagsAtStart(t *testing.T) {
	cfg := testConfig(t)
	cfg.SMTPFrom = "not an address"
	err := serve(context.Background(), cfg, zaptest.NewLogger(t), nil)
	if err == nil || !strings.Contains(err.Error(), "--smtp-from") || !strings.Contains(err.Error(), `From "not an address" is not an email address`) {
		t.Errorf("serve: %v, want the --smtp-from error", err)
	}
}

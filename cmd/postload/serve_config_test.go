package main

import (
	"io"
	"strings"
	"testing"
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

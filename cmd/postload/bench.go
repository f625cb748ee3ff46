package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/postload/postload/bench"
	"github.com/postload/postload/dispatcher"
)

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "broker" {
		// The bench's own broker process (see bench.ServeBroker).
		return bench.ServeBroker(ctx, os.Stdin, stdout)
	}
	if len(args) > 0 && args[0] == "client" {
		return runBenchClient(ctx, args[1:], getenv, stderr)
	}
	f := newFlags("bench", getenv, stderr)
	cfg := bench.Config{Out: stdout}
	f.IntVar(&cfg.Events, "events", bench.DefaultEvents, "events pre-loaded for the throughput scenario")
	f.IntVar(&cfg.Concurrency, "concurrency", bench.DefaultConcurrency, "postload's in-flight events; the ceiling runs this × hooks requests at once")
	f.IntVar(&cfg.Rounds, "rounds", bench.DefaultRounds, "rounds of each throughput run (ceiling, then postload); the median round is reported")
	f.IntVar(&cfg.Partitions, "partitions", bench.DefaultPartitions, "partitions of load-completed")
	f.IntVar(&cfg.EndpointConcurrency, "endpoint-concurrency", dispatcher.DefaultMaxConcurrent, "postload's per-endpoint bulkhead")
	f.Float64Var(&cfg.LatencyRate, "latency-rate", 0, "events per second of the latency scenario (default half the measured 1-hook throughput)")
	f.DurationVar(&cfg.LatencyDuration, "latency-duration", bench.DefaultLatencyDuration, "how long the latency scenario produces at a steady rate")
	f.IntVar(&cfg.IsolationEvents, "isolation-events", bench.DefaultIsolationEvents, "events pre-loaded in each isolation world")
	f.DurationVar(&cfg.IsolationDuration, "isolation-duration", bench.DefaultIsolationDuration, "how long each isolation world produces at a steady rate, in turns")
	f.DurationVar(&cfg.IsolationTurn, "isolation-turn", bench.DefaultIsolationTurn, "how long an isolation world produces per turn before the other world's turn")
	f.BoolVar(&cfg.IsolationControl, "isolation-control", false, "make the black hole healthy: compare two alike worlds, to see the isolation figures' own noise")
	f.IntVar(&cfg.RetryDeliveries, "retry-deliveries", bench.DefaultRetryDeliveries, "deliveries that fail once in the retry scenario")
	f.IntVar(&cfg.BacklogRecords, "backlog-records", bench.DefaultBacklogRecords, "records waiting in the memory scenarios")
	f.DurationVar(&cfg.BacklogWatch, "backlog-watch", bench.DefaultBacklogWatch, "how long peak RSS is watched under backlog")
	f.Float64Var(&cfg.CrashRate, "crash-rate", bench.DefaultCrashRate, "events per second of the crash scenario (two instances, one killed with SIGKILL halfway)")
	f.DurationVar(&cfg.CrashDuration, "crash-duration", bench.DefaultCrashDuration, "how long the crash scenario produces; the kill comes halfway")
	hooks := f.String("hooks", formatInts(bench.DefaultHooksPerEvent), "hooks per event of the throughput runs (the first also sets the latency load)")
	only := f.String("only", "", "comma-separated scenarios to run: "+strings.Join(bench.Scenarios, ",")+" (default all)")
	f.StringVar(&cfg.JSONPath, "json", bench.DefaultJSONPath, "where the JSON report is written")
	bin := f.String("binary", "", "postload binary under test (default this executable)")
	serveArgs := f.String("serve-args", "", "extra flags for the postload under test, space-separated (e.g. \"--log-level info\")")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg.Only = splitList(*only)
	for _, h := range splitList(*hooks) {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > 10 {
			return fmt.Errorf("bench --hooks: %q is not a number of hooks from 1 to 10", h)
		}
		cfg.HooksPerEvent = append(cfg.HooksPerEvent, n)
	}
	cfg.ServeArgs = strings.Fields(*serveArgs)
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: finding this executable: %w", err)
	}
	cfg.Harness, cfg.Binary = exe, *bin
	if cfg.Binary == "" {
		cfg.Binary = exe
	}
	_, err = bench.Run(ctx, cfg)
	if err == nil {
		fmt.Fprintf(stderr, "report written to %s\n", cfg.JSONPath)
	}
	return err
}

// formatInts is "1,10".
func formatInts(ns []int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, ",")
}

// runBenchClient is `postload bench client`, the ceiling's plain HTTPS
// client, which `postload bench` runs as a process of its own.
func runBenchClient(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	f := newFlags("bench client", getenv, stderr)
	var cfg bench.ClientConfig
	f.StringVar(&cfg.CAFile, "ca-file", "", "PEM file of the receivers' certificates")
	urls := f.String("urls", "", "comma-separated receiver URLs")
	f.IntVar(&cfg.Total, "total", 100000, "requests to make")
	f.IntVar(&cfg.Concurrency, "concurrency", 32, "requests at once")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg.URLs = splitList(*urls)
	return bench.RunClient(ctx, cfg)
}

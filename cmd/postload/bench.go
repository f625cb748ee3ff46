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
	f.IntVar(&cfg.WireDeliveries, "deliveries", bench.DefaultWireDeliveries, "deliveries of each throughput run (pre-loaded as events of its hooks)")
	sweep := f.String("sweep", formatInts(bench.DefaultSweep), "the plain client's concurrencies tried for the ceiling")
	f.DurationVar(&cfg.WireLatency, "throughput-latency", bench.DefaultWireLatency, "how long each throughput run then produces at half its rate, for p50/p99")
	f.IntVar(&cfg.LogRounds, "log-rounds", bench.DefaultLogRounds, "runs of the deliverylog scenario with the log on, each between two with it off (off, on, off, ...); its figure is the median of each on-run against the mean of its neighbours")
	f.IntVar(&cfg.LogShape, "log-shape", bench.DefaultLogShape, "the deliverylog scenario's hook layout by number: "+shapeList())
	shapes := f.String("shapes", "", "throughput runs' hook layouts by number (default all): "+shapeList())
	receivers := f.String("receivers", "", "throughput runs' receivers: http2 (offers HTTP/2 and HTTP/1.1), http1 (HTTP/1.1 only) (default both)")
	brokers := f.String("brokers", "", "throughput runs' broker: process (its own), embedded (in serve, the README default) (default both)")
	f.IntVar(&cfg.Concurrency, "concurrency", bench.DefaultConcurrency, "postload's in-flight events (its --max-in-flight)")
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
	only := f.String("only", "", "comma-separated scenarios to run: "+strings.Join(bench.Scenarios, ",")+" (default all)")
	f.StringVar(&cfg.JSONPath, "json", bench.DefaultJSONPath, "where the JSON report is written")
	bin := f.String("binary", "", "postload binary under test (default this executable)")
	serveArgs := f.String("serve-args", "", "extra flags for the postload under test, space-separated (e.g. \"--log-level info\")")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg.Only = splitList(*only)
	var err error
	if cfg.Sweep, err = parseInts("bench --sweep", *sweep); err != nil {
		return err
	}
	if *shapes != "" {
		if cfg.WireShapes, err = parseInts("bench --shapes", *shapes); err != nil {
			return err
		}
	}
	cfg.WireReceivers, cfg.WireBrokers = splitList(*receivers), splitList(*brokers)
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

// shapeList is "1: 1 hook, 2: ...".
func shapeList() string {
	var out []string
	for i, s := range bench.Shapes {
		out = append(out, fmt.Sprintf("%d: %s", i+1, s.Name))
	}
	return strings.Join(out, "; ")
}

// parseInts reads "1,10" for flag.
func parseInts(flag, s string) ([]int, error) {
	var out []int
	for _, it := range splitList(s) {
		n, err := strconv.Atoi(it)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", flag, it)
		}
		out = append(out, n)
	}
	return out, nil
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
	f.BoolVar(&cfg.HTTP2, "http2", true, "HTTP/2 with receivers that offer it; false: HTTP/1.1")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg.URLs = splitList(*urls)
	return bench.RunClient(ctx, cfg)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/embedded"
	"github.com/postload/postload/hook"
)

const dlqUsage = `postload dlq: watch and replay the dead-letter queue.

  postload dlq stats  [filters]           counts by account, hook and reason; oldest and newest
  postload dlq list   [filters] [--json]  one line per dead letter
  postload dlq tail   [filters] [--json]  follow new dead letters
  postload dlq replay [filters] [--dry-run]
                                          put them back as fresh deliveries (attempt 1, same webhook-id)

Filters: --client N --hook N --since T --until T (RFC 3339, on dead_at) --limit N.
Kafka: --brokers host:port,... (default the embedded broker at --embedded-addr), --topic-prefix.
`

// dlqConfig is the dlq package's view of the topics, read and written
// through kafka; they have at least one retry tier (serve's --retry-delays
// has at least one delay).
func dlqConfig(kafka *consumer.Client, topics topicNames, log *zap.Logger) dlq.Config {
	return dlq.Config{Kafka: kafka, DLQTopic: topics.DLQ, RetryTopic: topics.Retry[0], ReplayedTopic: topics.Replayed, Log: log.Named("dlq")}
}

func runDLQ(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, dlqUsage)
		return errUsage
	}
	switch args[0] {
	case "stats", "list", "tail", "replay":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, dlqUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "postload dlq: unknown command %q\n\n%s", args[0], dlqUsage)
		return errUsage
	}
	a, err := parseDLQ(args[0], args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	// Kafka's failures are retried (tail follows through an outage): say
	// so on stderr.
	klog, err := newLogger("console", "warn", stderr)
	if err != nil {
		return err
	}
	kafka, err := consumer.NewClient(consumer.ClientConfig{Brokers: a.brokers, Log: klog})
	if err != nil {
		return err
	}
	defer kafka.Close()
	return a.run(ctx, kafka, stdout)
}

// dlqArgs are what a dlq command is told.
type dlqArgs struct {
	cmd            string // stats, list, tail or replay
	brokers        []string
	prefix         string
	filter         dlq.Filter
	asJSON, dryRun bool
}

// parseDLQ parses the flags of dlq command cmd.
func parseDLQ(cmd string, args []string, getenv func(string) string, stderr io.Writer) (dlqArgs, error) {
	f := newFlags("dlq "+cmd, getenv, stderr)
	brokers := f.String("brokers", "", "Kafka brokers host:port,... (default the embedded broker)")
	embeddedAddr := f.String("embedded-addr", embedded.DefaultAddr, "the embedded broker's address")
	prefix := f.String("topic-prefix", "", "prefix for every topic name")
	client := f.Int64("client", 0, "only this account")
	hookID := f.Int64("hook", 0, "only this hook")
	since := f.String("since", "", "only dead letters from this time on (RFC 3339)")
	until := f.String("until", "", "only dead letters before this time (RFC 3339)")
	limit := f.Int("limit", 0, "at most this many")
	asJSON := f.Bool("json", false, "JSON lines instead of text")
	dryRun := f.Bool("dry-run", false, "replay: say what would happen, publish nothing")
	if err := f.parse(args); err != nil {
		return dlqArgs{}, err
	}
	a := dlqArgs{cmd: cmd, brokers: splitList(*brokers), prefix: *prefix, asJSON: *asJSON, dryRun: *dryRun,
		filter: dlq.Filter{ClientID: *client, HookID: *hookID, Limit: *limit}}
	if len(a.brokers) == 0 {
		a.brokers = []string{*embeddedAddr}
	}
	var errs []error
	for _, v := range []struct {
		name, s string
		t       *time.Time
	}{{"since", *since, &a.filter.Since}, {"until", *until, &a.filter.Until}} {
		if v.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v.s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %q: want an RFC 3339 time such as 2026-11-27T06:00:00Z", v.name, v.s))
		}
		*v.t = t
	}
	return a, errors.Join(append(errs, a.filter.Validate())...)
}

// run runs the command on kafka.
func (a dlqArgs) run(ctx context.Context, kafka *consumer.Client, stdout io.Writer) error {
	log := zap.NewNop()
	topics := newTopicNames(a.prefix, 1)
	cfg := dlqConfig(kafka, topics, log)
	switch a.cmd {
	case "stats":
		st, err := dlq.Stats(ctx, cfg, a.filter)
		if err != nil {
			return err
		}
		if a.asJSON {
			return json.NewEncoder(stdout).Encode(st)
		}
		return st.Print(stdout)
	case "list":
		_, err := dlq.List(ctx, cfg, a.filter, stdout, a.asJSON)
		return err
	case "tail":
		print := dlq.PrintLine
		if a.asJSON {
			print = dlq.PrintJSONLine
		}
		err := dlq.Tail(ctx, cfg, a.filter, func(e dlq.Entry) error { return print(stdout, e) })
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	return replayCLI(ctx, cfg, a.brokers, topics, a.filter, a.dryRun, a.asJSON, stdout, log)
}

// replayCLI reads the hook registry (to replay only to existing, enabled
// hooks at their current URL) and replays.
func replayCLI(ctx context.Context, cfg dlq.Config, brokers []string, topics topicNames, filter dlq.Filter, dryRun, asJSON bool, stdout io.Writer, log *zap.Logger) error {
	store, stop, err := readRegistry(ctx, brokers, hook.Config{Kafka: cfg.Kafka, HooksTopic: topics.Hooks, RecipientsTopic: topics.Recipients, IDsTopic: topics.IDs}, log)
	if err != nil {
		return err
	}
	defer stop()
	w := toolWriter(brokers, log)
	defer w.Close()
	res, err := dlq.Replay(ctx, cfg, filter, store, w, dryRun, time.Now)
	// Print what was done even when it stopped halfway: the markers make a
	// second run safe, and the operator needs the counts.
	var perr error
	if asJSON {
		perr = json.NewEncoder(stdout).Encode(res)
	} else {
		perr = res.Print(stdout)
	}
	return errors.Join(err, perr)
}

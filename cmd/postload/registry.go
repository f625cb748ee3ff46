package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/embedded"
	"github.com/postload/postload/hook"
)

const registryUsage = `postload registry check: read the hook and recipient registry as serve
loads it, and list every record it could not load as written.

  postload registry check [--brokers B] [--topic-prefix P] [--allow-networks N] [--json]

A record is skipped when it does not decode (not written by postload); a hook
URL written before URLs were normalized is loaded normalized; a hook whose URL
the URL rules or the SSRF guard refuse now is loaded and listed, and its
deliveries fail until its account deletes or disables it.
`

// runRegistry is `postload registry check`.
func runRegistry(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, registryUsage)
		return errUsage
	}
	f := newFlags("registry check", getenv, stderr)
	brokers := f.String("brokers", "", "Kafka brokers host:port,... (default the embedded broker)")
	embeddedAddr := f.String("embedded-addr", embedded.DefaultAddr, "the embedded broker's address")
	prefix := f.String("topic-prefix", "", "prefix for every topic name")
	allow := f.String("allow-networks", "", "as serve's: address ranges hooks may reach despite the SSRF guard (default loopback for the embedded broker, none with --brokers)")
	asJSON := f.Bool("json", false, "one JSON object instead of text")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	addrs := splitList(*brokers)
	nets := egress.Loopback()
	if len(addrs) > 0 {
		nets = nil
	} else {
		addrs = []string{*embeddedAddr}
	}
	if *allow != "" {
		var err error
		if nets, err = egress.ParsePrefixes(*allow); err != nil {
			return fmt.Errorf("--allow-networks: %w", err)
		}
	}
	topics := newTopicNames(*prefix, 1)
	kafka, err := consumer.NewClient(consumer.ClientConfig{Brokers: addrs})
	if err != nil {
		return err
	}
	defer kafka.Close()
	store, stop, err := readRegistry(ctx, addrs, hook.Config{
		Kafka: kafka, HooksTopic: topics.Hooks, RecipientsTopic: topics.Recipients, IDsTopic: topics.IDs,
		CheckURL: egress.NewPolicy(nets).CheckURL,
	}, zap.NewNop())
	if err != nil {
		return err
	}
	defer stop()
	st, problems := store.Stats(), store.Problems()
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"hooks": st.Hooks, "recipients": st.Recipients, "problems": st.Problems, "records": problems,
		})
	}
	fmt.Fprintf(stdout, "hooks %d, recipients %d\n", st.Hooks, st.Recipients)
	fmt.Fprintf(stdout, "records not loaded as written: %d skipped, %d url_normalized, %d url_refused\n",
		st.Problems[hook.ProblemSkipped], st.Problems[hook.ProblemURLNormalized], st.Problems[hook.ProblemURLRefused])
	for _, p := range problems {
		fmt.Fprintf(stdout, "%s offset %d id %d %s: %s\n", p.Topic, p.Offset, p.ID, p.Kind, p.Reason)
	}
	return nil
}

// readRegistry runs a hook.Store for a command until stop is called, once
// it has read both topics (within 30 s) from brokers (cfg.Kafka's).
func readRegistry(ctx context.Context, brokers []string, cfg hook.Config, log *zap.Logger) (_ *hook.Store, stop func(), _ error) {
	store, err := hook.NewStore(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- store.Run(sctx) }()
	stop = func() { cancel(); <-done }
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := store.Wait(wctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("reading the hook registry from %v: %w", brokers, err)
	}
	return store, stop, nil
}

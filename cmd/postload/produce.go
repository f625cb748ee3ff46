package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/oklog/ulid/v2"
	"go.uber.org/zap"

	"github.com/postload/postload/embedded"
	"github.com/postload/postload/schema"
)

func runProduce(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("produce", getenv, stderr)
	client := f.Int64("client", 0, "account (client id) of the sample event")
	dest := f.Int64("destination", 0, "destination id of the sample event")
	rejected := f.Bool("rejected", false, "put the event on load-rejected instead of load-completed")
	file := f.String("file", "", "send this file's bytes as the event instead of a sample")
	brokers := f.String("brokers", "", "Kafka brokers host:port,... (default the embedded broker's address)")
	embeddedAddr := f.String("embedded-addr", embedded.DefaultAddr, "the embedded broker's address")
	prefix := f.String("topic-prefix", "", "prefix for every topic name")
	if err := f.parse(args); err != nil {
		return err
	}
	var value []byte
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("produce --file: %w", err)
		}
		value = b
	} else {
		if *client <= 0 || *dest <= 0 {
			return errors.New("produce: give --client and --destination (positive ids), or --file")
		}
		value = schema.SampleLoadEvent(ulid.Make().String(), *client, *dest, *rejected, time.Now())
	}
	addrs := splitList(*brokers)
	if len(addrs) == 0 {
		addrs = []string{*embeddedAddr}
	}
	topics := newTopicNames(*prefix, 0)
	topic := topics.Completed
	if *rejected {
		topic = topics.Rejected
	}
	key := fmt.Appendf(nil, "%d/sample/orders", *client)
	w := toolWriter(addrs, zap.NewNop())
	defer w.Close()
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := w.Publish(pctx, topic, key, value); err != nil {
		return fmt.Errorf("producing to %s at %v: %w", topic, addrs, err)
	}
	fmt.Fprintf(stderr, "produced to %s:\n", topic)
	fmt.Fprintf(stdout, "%s\n", value)
	return nil
}

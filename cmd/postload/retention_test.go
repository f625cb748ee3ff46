package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/embedded"
	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
)

// logStart returns where partition 0 of topic starts now.
func logStart(tb testing.TB, brokers []string, topic string) int64 {
	tb.Helper()
	o, err := consumer.NewClient(consumer.ClientConfig{Brokers: brokers})
	if err != nil {
		tb.Fatal(err)
	}
	defer o.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	off, err := o.LogStart(ctx, topic, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return off
}

// The README's default set-up: events produced and acknowledged while no
// dispatcher runs, far more than --retention-bytes, are all delivered once
// one runs, after the embedded broker's retention has run in between.
// Before, the broker deleted them unread.
func TestEmbeddedRetentionKeepsEventsNoDispatcherRead(t *testing.T) {
	if testing.Short() {
		t.Skip("builds, runs and stops the binary; waits for the broker's retention pass")
	}
	bin, dir, rc := mustBuild(t), t.TempDir(), webhooktest.NewReceiver(t)
	tok := mustToken(t, serveConfig{TokensFile: filepath.Join(dir, "tokens")}, 116078)
	kafkaAddr := freeAddr(t)
	brokers := []string{kafkaAddr}
	flags := []string{"--data-dir", dir, "--embedded-addr", kafkaAddr, "--ca-file", webhooktest.WriteCAs(t, dir, rc),
		"--partitions", "1", "--retention-bytes", "16384", "--retention-interval", "2s", "--session-timeout", "6s", "--drain-timeout", "3s"}
	api := freeAddr(t)
	p1 := startProcess(t, bin, append([]string{"--listen", api, "--roles", "api,retry,email"}, flags...)...)
	in := &instance{api: "http://" + api + httpapi.BasePath, brokers: brokers}
	waitAPI(t, in)
	mustHook(t, in, tok, 12345, rc.URL)
	const events = 200 // about 90 KB on load-completed
	produceEvents(t, in, events, "ev", 116078, 12345)

	// postload.invalid keeps the broker's retention (16 KiB here): once it
	// has been cut, the broker's retention pass has run over every topic.
	filler := make([]byte, 1000) // incompressible
	for i := 0; i < 40; i++ {
		fillRandom(filler)
		mustProduce(t, brokers, "postload.invalid", fmt.Sprint(i), filler)
	}
	wait.For(t, 90*time.Second, func() (bool, string) {
		return logStart(t, brokers, "postload.invalid") > 0, "the broker's retention has not run yet"
	})
	if got := logStart(t, brokers, "load-completed"); got != 0 {
		t.Errorf("load-completed starts at %d: events were deleted before any dispatcher read them", got)
	}
	if err := p1.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := p1.Process.Wait(); err != nil {
		t.Fatal(err)
	}

	startProcess(t, bin, append([]string{"--listen", api}, flags...)...)
	waitDelivered(t, rc, events)
}

// Against an outside broker, records deleted before the dispatcher read
// them are counted in postload_records_lost_total (and logged).
func TestRecordsDeletedUnreadAreCounted(t *testing.T) {
	c := kafkatest.NewCluster(t)
	rc := webhooktest.NewReceiver(t)
	cfg := testConfig(t)
	cfg.Brokers, cfg.Partitions = []string{c.Addr}, 1
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)
	mustHook(t, in, tok, 2, rc.URL)
	produceEvents(t, in, 5, "a", 1, 2)
	waitDelivered(t, rc, 5)
	waitCommitted(t, in, "postload", "load-completed")
	in.stop()

	produceEvents(t, in, 10, "b", 1, 2) // offsets 5..14
	if err := c.DeleteRecords("load-completed", 0, 12); err != nil {
		t.Fatal(err)
	}
	in = mustServe(t, cfg)
	waitDelivered(t, rc, 8) // 12..14 too
	labels := map[string]string{"group": "postload", "topic": "load-completed"}
	if got := scrape(t, in, "postload_records_lost_total", labels); got != 7 {
		t.Errorf("postload_records_lost_total%v = %v, want 7 (offsets 5..11)", labels, got)
	}
}

func fillRandom(b []byte) {
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
}

// topicConfig returns the value of config name of topic.
func topicConfig(tb testing.TB, brokers []string, topic, name string) string {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second, Transport: tr}
	resp, err := cl.DescribeConfigs(context.Background(), &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{name}},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range resp.Resources {
		if r.Error != nil {
			tb.Fatalf("describe %s: %v", topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName == name {
				return e.ConfigValue
			}
		}
	}
	tb.Fatalf("topic %s has no config %s", topic, name)
	return ""
}

// A data dir of an earlier version has the read topics with retention.ms
// and retention.bytes set, which the embedded broker would apply to unread
// records: serve takes them off; postload.invalid keeps them.
func TestEmbeddedLiftsRetentionOfTopicsCreatedBefore(t *testing.T) {
	cfg := testConfig(t)
	c, err := embedded.Start(cfg.embeddedConfig()) // on 127.0.0.1:0
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"load-completed", "postload.dlq", "postload.retry.1"} {
		if err := c.CreateTopic(topic, int32(cfg.Partitions), map[string]string{"retention.ms": "604800000", "retention.bytes": "67108864"}); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()

	in := mustServe(t, cfg)
	for _, topic := range []string{"load-completed", "load-rejected", "load-failed", "postload.dlq", "postload.retry.1", "postload.retry.5"} {
		for _, name := range []string{"retention.ms", "retention.bytes"} {
			if got := topicConfig(t, in.brokers, topic, name); got != "-1" {
				t.Errorf("%s of %s is %s, want -1 (postload trims it)", name, topic, got)
			}
		}
	}
	if got := topicConfig(t, in.brokers, "postload.invalid", "retention.bytes"); got != fmt.Sprint(cfg.RetentionBytes) {
		t.Errorf("retention.bytes of postload.invalid is %s, want %d", got, cfg.RetentionBytes)
	}
}

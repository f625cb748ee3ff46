package embedded

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mustWrite writes one record per batch to partition 0 of topic, each
// stamped with its time and keyed by it.
func mustWrite(tb testing.TB, addr, topic string, times ...time.Time) {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, Transport: tr, BatchSize: 1, RequiredAcks: kafka.RequireAll, WriteTimeout: 10 * time.Second}
	defer w.Close()
	value := []byte(strings.Repeat("x", 1000))
	for _, at := range times {
		key := fmt.Appendf(nil, "%d", at.UnixNano()) // distinct in compacted topics
		if err := w.WriteMessages(context.Background(), kafka.Message{Key: key, Value: value, Time: at}); err != nil {
			tb.Fatal(err)
		}
	}
}

func times(n int, at time.Time) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = at
	}
	return out
}

// mustCommit commits offset for partition 0 of topic as group, as a group
// without members may.
func mustCommit(tb testing.TB, addr, group, topic string, offset int64) {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second, Transport: tr}
	resp, err := cl.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: offset}}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			tb.Fatalf("commit %s %s: %v", group, topic, p.Error)
		}
	}
}

// startTrimmer runs a Trimmer of topic t (1 partition) read by groups,
// passing every 20 ms, until the test ends.
func startTrimmer(tb testing.TB, c *kafkatest.Cluster, cfg TrimConfig) {
	tb.Helper()
	off, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{c.Addr}})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Offsets, cfg.Interval = off, 20*time.Millisecond
	if cfg.Log == nil {
		cfg.Log = zaptest.NewLogger(tb)
	}
	tr, err := NewTrimmer(c.Cluster, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("run: %v", err)
		}
		off.Close()
	})
}

func logStart(c *kafkatest.Cluster, topic string) int64 {
	return c.PartitionInfo(topic, 0).LogStartOffset
}

// waitLogStart waits until partition 0 of topic starts at want.
func waitLogStart(tb testing.TB, c *kafkatest.Cluster, topic string, want int64) {
	tb.Helper()
	wait.For(tb, 10*time.Second, func() (bool, string) {
		got := logStart(c, topic)
		return got == want, fmt.Sprintf("log start %d, want %d", got, want)
	})
}

func TestTrimmerDeletesByAgeOnlyWhatEveryGroupRead(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 1, false)
	now := time.Now()
	mustWrite(t, c.Addr, "t", times(50, now.Add(-2*time.Hour))...) // 0..49: past the retention
	mustWrite(t, c.Addr, "t", times(50, now)...)                   // 50..99
	mustCommit(t, c.Addr, "a", "t", 20)
	mustCommit(t, c.Addr, "b", "t", 30)
	startTrimmer(t, c, TrimConfig{Topics: []Topic{{Name: "t", Groups: []string{"a", "b"}}}, Retention: time.Hour})

	waitLogStart(t, c, "t", 20) // a has read 20: the lowest
	mustCommit(t, c.Addr, "a", "t", 100)
	waitLogStart(t, c, "t", 30) // now b's 30
	mustCommit(t, c.Addr, "b", "t", 100)
	waitLogStart(t, c, "t", 50) // all read: the old ones go, the new stay
}

func TestTrimmerDeletesBySizeOnlyWhatEveryGroupRead(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 1, false)
	mustWrite(t, c.Addr, "t", times(100, time.Now())...)
	per := c.PartitionInfo("t", 0).NumBytes / 100 // one record a batch, all alike
	bound := 10*per + per/2                       // room for 10 and a half
	mustCommit(t, c.Addr, "g", "t", 40)
	startTrimmer(t, c, TrimConfig{Topics: []Topic{{Name: "t", Groups: []string{"g"}}}, Retention: time.Hour, RetentionBytes: bound})

	waitLogStart(t, c, "t", 40)
	mustCommit(t, c.Addr, "g", "t", 100)
	waitLogStart(t, c, "t", 90) // the newest 10 fit
	if b := c.PartitionInfo("t", 0).NumBytes; b > bound {
		t.Errorf("%d bytes kept, bound %d", b, bound)
	}
}

// Records past the bounds that a group has not read stay, and that is
// logged once, naming the groups.
func TestTrimmerKeepsUnreadRecordsAndSaysSo(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic(t, "t", 1, false)
	mustWrite(t, c.Addr, "t", times(20, time.Now().Add(-2*time.Hour))...)
	mustCommit(t, c.Addr, "a", "t", 20) // b has committed nothing
	core, logs := observer.New(zap.InfoLevel)
	startTrimmer(t, c, TrimConfig{Topics: []Topic{{Name: "t", Groups: []string{"a", "b"}}}, Retention: time.Hour,
		Log: zap.New(zapcore.NewTee(zaptest.NewLogger(t).Core(), core))})

	wait.For(t, 10*time.Second, func() (bool, string) {
		return logs.FilterMessageSnippet("are kept").Len() > 0, "no line about the kept records"
	})
	f := logs.FilterMessageSnippet("are kept").All()[0].ContextMap()
	if f["records"] != int64(20) || f["topic"] != "t" || fmt.Sprint(f["groups"]) != "[a b]" {
		t.Errorf("kept line %v, want 20 records of t, groups a b", f)
	}
	mustCommit(t, c.Addr, "b", "t", 5)
	waitLogStart(t, c, "t", 5)
	if n := logs.FilterMessageSnippet("are kept").Len(); n != 1 {
		t.Errorf("%d lines about kept records, want 1 (said once while it lasts)", n)
	}
	mustCommit(t, c.Addr, "b", "t", 20)
	waitLogStart(t, c, "t", 20)
	wait.For(t, 10*time.Second, func() (bool, string) {
		return logs.FilterMessageSnippet("have been read").Len() == 1, "no line saying the kept records were read"
	})
}

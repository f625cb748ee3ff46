package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/egress"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
	"github.com/postload/postload/schema"
	"github.com/postload/postload/token"
)

// instance is a running `serve` in this process.
type instance struct {
	api     string // base URL of the hook API
	brokers []string
	cfg     serveConfig
	stop    func()
}

// testConfig is a serve config on free loopback ports in a temp dir, with
// the embedded broker.
func testConfig(tb testing.TB) serveConfig {
	dir := tb.TempDir()
	return serveConfig{
		EmbeddedAddr: "127.0.0.1:0", Listen: "127.0.0.1:0", DataDir: dir,
		TokensFile: dir + "/tokens", Group: "postload", Partitions: 2,
		RetryDelays:    []time.Duration{50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond},
		AttemptTimeout: 5 * time.Second, DrainTimeout: 2 * time.Second, SessionTimeout: 6 * time.Second,
		MaxInFlight: 64, MaxPerPart: 16, Retention: time.Hour, RetentionBytes: 16 << 20,
		LogFormat: "console", LogLevel: "debug",
		AllowNetworks: egress.Loopback(), // the test receivers are on 127.0.0.1
		Roles:         roles{true, true, true, true}, RotationOverlap: time.Hour,
		SMTPFrom: "postload@localhost", DigestWindow: time.Minute, FailedWindow: time.Minute,
	}
}

// mustServe runs serve with cfg until the test ends (or stop is called).
func mustServe(tb testing.TB, cfg serveConfig) *instance {
	tb.Helper()
	return mustServeLog(tb, cfg, zaptest.NewLogger(tb))
}

// mustServeLog is mustServe logging to log.
func mustServeLog(tb testing.TB, cfg serveConfig, log *zap.Logger) *instance {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type up struct {
		api     string
		brokers []string
	}
	ready := make(chan up, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, log, func(a string, b []string) { ready <- up{a, b} })
	}()
	var u up
	select {
	case u = <-ready:
	case err := <-done:
		cancel()
		tb.Fatalf("serve stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		tb.Fatal("serve did not start within 30s")
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	}
	tb.Cleanup(stop)
	return &instance{api: "http://" + u.api + "/notifications/public/v1/api", brokers: u.brokers, cfg: cfg, stop: stop}
}

func mustToken(tb testing.TB, cfg serveConfig, client int64) string {
	tb.Helper()
	tok, err := token.Create(cfg.TokensFile, client)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// call makes an API request and returns the status and body.
func call(tb testing.TB, method, url, tok string, body any) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// mustHook creates a hook through the API and returns it.
func mustHook(tb testing.TB, in *instance, tok string, dest int64, url string) schema.Hook {
	tb.Helper()
	status, body := call(tb, "POST", in.api+"/hooks", tok, map[string]any{"type": "post_load", "destination_id": dest, "config": map[string]any{"url": url}})
	if status != 200 {
		tb.Fatalf("create hook: %d %s", status, body)
	}
	var h schema.Hook
	if err := json.Unmarshal(body, &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

func mustProduce(tb testing.TB, brokers []string, topic string, key string, values ...[]byte) {
	tb.Helper()
	w := consumer.NewWriter(brokers, zaptest.NewLogger(tb))
	defer w.Close()
	for _, v := range values {
		if err := w.Publish(context.Background(), topic, []byte(key), v); err != nil {
			tb.Fatal(err)
		}
	}
}

// mustProduceMessages publishes msgs to topic in one request.
func mustProduceMessages(tb testing.TB, brokers []string, topic string, msgs ...kafka.Message) {
	tb.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Hash{}, Transport: tr,
		BatchSize: len(msgs), RequiredAcks: kafka.RequireAll, WriteTimeout: 10 * time.Second}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		tb.Fatal(err)
	}
}

// readAll returns every record on topic, all partitions.
func readAll(tb testing.TB, brokers []string, topic string) []kafka.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: tr}
	md, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		tb.Fatal(err)
	}
	var out []kafka.Message
	for _, p := range md.Topics[0].Partitions {
		offs, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(p.ID)}}})
		if err != nil {
			tb.Fatal(err)
		}
		end := offs.Topics[topic][0].LastOffset
		if end == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				tb.Fatal(err)
			}
			out = append(out, m)
			if m.Offset+1 >= end {
				break
			}
		}
		r.Close()
	}
	return out
}

// committed returns the group's committed offsets for topic, by partition.
func committed(tb testing.TB, brokers []string, group, topic string, partitions int) map[int]int64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: tr}
	ps := make([]int, partitions)
	for i := range ps {
		ps[i] = i
	}
	resp, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ps}})
	if err != nil {
		tb.Fatal(err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// waitCommitted waits until the group has committed every record now on
// topic: every message before it is finished.
func waitCommitted(tb testing.TB, in *instance, group, topic string) {
	tb.Helper()
	n := len(readAll(tb, in.brokers, topic))
	wait.For(tb, 20*time.Second, func() (bool, string) {
		var sum int64
		for _, o := range committed(tb, in.brokers, group, topic, in.cfg.Partitions) {
			if o > 0 {
				sum += o
			}
		}
		return sum >= int64(n), fmt.Sprintf("committed %d of %d", sum, n)
	})
}

// decodeTopic decodes every record on topic with decode, failing the test
// on one that does not match its schema.
func decodeTopic[T any](tb testing.TB, in *instance, topic string, decode func([]byte) (T, error)) []T {
	tb.Helper()
	var out []T
	for _, m := range readAll(tb, in.brokers, topic) {
		v, err := decode(m.Value)
		if err != nil {
			tb.Fatalf("a record on %s does not match its schema: %v", topic, err)
		}
		out = append(out, v)
	}
	return out
}

// deadLetters decodes every record on postload.dlq.
func deadLetters(tb testing.TB, in *instance) []schema.DeadLetter {
	tb.Helper()
	return decodeTopic(tb, in, "postload.dlq", schema.DecodeDeadLetter)
}

// invalidRecords decodes every record on postload.invalid, in source
// offset order (they are published concurrently, in any order).
func invalidRecords(tb testing.TB, in *instance) []schema.Invalid {
	tb.Helper()
	out := decodeTopic(tb, in, "postload.invalid", schema.DecodeInvalid)
	slices.SortFunc(out, func(a, b schema.Invalid) int { return int(a.Offset - b.Offset) })
	return out
}

// startWithHook runs serve with cfg (trusting rc) and one hook of client 1,
// destination 2 at rc; it returns the client's token too.
func startWithHook(tb testing.TB, cfg serveConfig, rc *webhooktest.Receiver) (*instance, schema.Hook, string) {
	tb.Helper()
	cfg.CAFile = webhooktest.WriteCAs(tb, tb.TempDir(), rc)
	tok := mustToken(tb, cfg, 1)
	in := mustServe(tb, cfg)
	return in, mustHook(tb, in, tok, 2, rc.URL), tok
}

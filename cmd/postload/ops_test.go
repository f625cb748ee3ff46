package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/syncbuf"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
)

// scrape returns the value of one sample of /metrics (0 when absent).
func scrape(tb testing.TB, in *instance, name string, labels map[string]string) float64 {
	tb.Helper()
	v, _ := scrapeFound(tb, in, name, labels)
	return v
}

// scrapeFound is scrape, also telling whether the sample exists.
func scrapeFound(tb testing.TB, in *instance, name string, labels map[string]string) (float64, bool) {
	tb.Helper()
	resp, err := http.Get(strings.TrimSuffix(in.api, httpapi.BasePath) + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	fam, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsMoveByTheRightAmounts(t *testing.T) {
	ok, bad := webhooktest.NewReceiver(t), webhooktest.NewReceiver(t)
	bad.Answer(func(int, *http.Request) int { return http.StatusInternalServerError })
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), ok, bad)
	tok := mustToken(t, cfg, 1)
	in := mustServe(t, cfg)
	mustHook(t, in, tok, 2, ok.URL)
	mustHook(t, in, tok, 3, bad.URL)
	for i := 0; i < 3; i++ {
		mustProduce(t, in.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("ok%d", i), 1, 2, prettyPayload))
	}
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("bad", 1, 3, prettyPayload))
	mustProduce(t, in.brokers, "load-completed", "k", []byte("not json"))

	wait.For(t, 30*time.Second, func() (bool, string) {
		n := scrape(t, in, "postload_dead_letters_total", map[string]string{"reason": "retries_exhausted"})
		return n == 1, fmt.Sprintf("%v dead letters", n)
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"postload_delivery_attempts_total", map[string]string{"outcome": "delivered", "attempt": "1"}, 3},
		{"postload_delivery_attempts_total", map[string]string{"outcome": "failed", "attempt": "1"}, 1},
		{"postload_delivery_attempts_total", map[string]string{"outcome": "failed", "attempt": "6"}, 1},
		{"postload_attempt_duration_seconds", map[string]string{"outcome": "failed"}, 6},
		{"postload_attempt_duration_seconds", map[string]string{"outcome": "delivered"}, 3},
		{"postload_invalid_messages_total", map[string]string{"topic": "load-completed"}, 1},
		{"postload_registry_objects", map[string]string{"kind": "hooks"}, 2},
		{"postload_registry_ready", nil, 1},
	} {
		if got := scrape(t, in, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got, found := scrapeFound(t, in, "postload_breaker_state", map[string]string{"endpoint": bad.URL}); !found || got != 0 {
		t.Errorf("breaker of a quiet failing hook: %v (found %v), want 0 (closed)", got, found)
	}
}

func TestReadyzWaitsForTheTables(t *testing.T) {
	c := kafkatest.NewCluster(t)
	for _, name := range []string{"postload.hooks", "postload.recipients", "postload.ids"} {
		c.CreateTopic(t, name, 1, true)
	}
	kafka, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{c.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer kafka.Close()
	store, err := hook.NewStore(hook.Config{Kafka: kafka}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	h := &health{brokers: []string{c.Addr}, store: store}
	mux := http.NewServeMux()
	opsHandler(mux, newMetrics(), h)
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "tables") {
		t.Fatalf("before the tables are read: %d %q, want 503", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- store.Run(ctx) }()
	defer func() { cancel(); <-done }()
	wait.For(t, 10*time.Second, func() (bool, string) {
		code, body := get("/readyz")
		return code == 200, body
	})
}

func TestTokensAndSecretsNeverReachTheLogs(t *testing.T) {
	rc := webhooktest.NewReceiver(t)
	rc.Answer(func(n int, _ *http.Request) int { return []int{500, 200}[n%2] })
	cfg := testConfig(t)
	cfg.CAFile = webhooktest.WriteCAs(t, t.TempDir(), rc)
	tok := mustToken(t, cfg, 1)
	var buf syncbuf.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zapcore.DebugLevel))
	in := mustServeLog(t, cfg, log)

	h := mustHook(t, in, tok, 2, rc.URL)
	rotated := rotate(t, in, tok, h.ID)
	call(t, "GET", in.api+"/hooks", tok+"x", nil) // a wrong token
	req, _ := http.NewRequest("GET", in.api+"/hooks", nil)
	req.Header.Set("Authorization", "Basic "+tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	mustProduce(t, in.brokers, "load-completed", "k", loadEvent("e-log", 1, 2, prettyPayload))
	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 2, fmt.Sprintf("%d requests", rc.Count()) })
	in.stop()

	logs := buf.String()
	if !strings.Contains(logs, `"event_id":"e-log"`) || !strings.Contains(logs, `"hook_id":`) || !strings.Contains(logs, `"attempt":1`) {
		t.Fatalf("delivery lines lack event id, hook id or attempt:\n%s", logs)
	}
	for _, secret := range []string{tok, strings.TrimPrefix(tok, "pl_"), h.Config.Secret, rotated.Config.Secret, "Bearer", "Authorization"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}

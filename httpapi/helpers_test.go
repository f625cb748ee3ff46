package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/hook"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/token"
)

// The production implementations fit the interfaces.
var (
	_ Tokens      = (*token.File)(nil)
	_ Registry    = (*hook.Store)(nil)
	_ DeadLetters = (*dlq.Queue)(nil)
	_ dlq.Hooks   = (*hook.Store)(nil)
)

// Accounts of the tests.
const (
	clientA = 116078
	clientB = 200002
	clientC = 300003
)

// env is a hook.Store and the dead-letter queue on an in-process Kafka, the
// API on a real HTTP server, and one token per account.
type env struct {
	cluster *kafkatest.Cluster
	store   *hook.Store
	tokens  *token.File
	pub     *consumer.Writer
	dlqCfg  dlq.Config
	srv     *httptest.Server
	clock   *clock
	tokA    string
	tokB    string
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvConfig(tb, hook.Config{})
}

func newEnvConfig(tb testing.TB, cfg hook.Config) *env {
	tb.Helper()
	e := &env{cluster: newCluster(tb), clock: newClock()}
	e.store = startStore(tb, e.cluster, e.clock.Now, cfg)
	path := filepath.Join(tb.TempDir(), "tokens")
	e.tokA, e.tokB = mustToken(tb, path, clientA), mustToken(tb, path, clientB)
	var err error
	if e.tokens, err = token.Open(path, zaptest.NewLogger(tb)); err != nil {
		tb.Fatal(err)
	}
	e.pub = consumer.NewWriter([]string{e.cluster.Addr}, zaptest.NewLogger(tb))
	tb.Cleanup(func() { e.pub.Close() })
	e.dlqCfg = dlq.Config{Kafka: mustKafka(tb, e.cluster.Addr, 5*time.Second), Timeout: 5 * time.Second, Log: zaptest.NewLogger(tb)}
	e.serve(tb, mustQueue(tb, e.dlqCfg, e))
	return e
}

// mustQueue is the dead-letter queue of cfg over e's registry and writer.
func mustQueue(tb testing.TB, cfg dlq.Config, e *env) *dlq.Queue {
	tb.Helper()
	q, err := dlq.NewQueue(cfg, e.store, e.pub, e.clock.Now)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// serve starts the API on a new server, with e's registry and tokens and
// dead letters from dead; requests go to it from then on.
func (e *env) serve(tb testing.TB, dead DeadLetters) {
	tb.Helper()
	s, err := New(Config{Tokens: e.tokens, Registry: e.store, DeadLetters: dead, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	e.srv = httptest.NewServer(s)
	tb.Cleanup(e.srv.Close)
}

// newCluster starts kfake with the registry's topics, the DLQ (3
// partitions) and the first retry tier. The replayed topic is left for
// Replay to create.
func newCluster(tb testing.TB) *kafkatest.Cluster {
	tb.Helper()
	c := kafkatest.NewCluster(tb)
	for _, topic := range []string{hook.DefaultHooksTopic, hook.DefaultRecipientsTopic, hook.DefaultIDsTopic} {
		c.CreateTopic(tb, topic, 1, true)
	}
	c.CreateTopic(tb, "postload.dlq", 3, false)
	c.CreateTopic(tb, "postload.retry.1", 1, false)
	return c
}

// startStore runs a Store on c, stamping times with now when it is set,
// until the test ends, and waits until it is ready.
func startStore(tb testing.TB, c *kafkatest.Cluster, now func() time.Time, cfg hook.Config) *hook.Store {
	tb.Helper()
	cfg.Kafka = mustKafka(tb, c.Addr, 10*time.Second)
	s, err := hook.NewStore(cfg, zaptest.NewLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	if now != nil {
		s.SetClock(now)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.Wait(wctx); err != nil {
		tb.Fatalf("store not ready: %v", err)
	}
	return s
}

func mustToken(tb testing.TB, path string, client int64) string {
	tb.Helper()
	tok, err := token.Create(path, client)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// do sends a request to the API (path relative to BasePath) and returns the
// status and body. tok "" sends no Authorization header.
func (e *env) do(tb testing.TB, method, path, tok, body string) (int, string) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+BasePath+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return res.StatusCode, string(b)
}

// mustDo is do that also checks the status.
func (e *env) mustDo(tb testing.TB, method, path, tok, body string, want int) string {
	tb.Helper()
	status, got := e.do(tb, method, path, tok, body)
	if status != want {
		tb.Fatalf("%s %s %s: status %d, want %d; body %s", method, path, body, status, want, got)
	}
	return got
}

// mustError checks that a request fails with exactly status and JSON body.
func (e *env) mustError(tb testing.TB, method, path, tok, body string, status int, want string) {
	tb.Helper()
	got := e.mustDo(tb, method, path, tok, body, status)
	mustJSONEqual(tb, got, want)
}

// mustJSONEqual compares two JSON texts after decoding.
func mustJSONEqual(tb testing.TB, got, want string) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		tb.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		tb.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		tb.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func mustDecode[T any](tb testing.TB, body string) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2019, 7, 17, 17, 30, 37, 500_000_000, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// mustKafka is the Kafka client of the production wiring, on addr.
func mustKafka(tb testing.TB, addr string, timeout time.Duration) *consumer.Client {
	tb.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{addr}, Timeout: timeout, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
}

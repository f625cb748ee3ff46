package hook

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

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/token"
	"go.uber.org/zap/zaptest"
)

var (
	_ TokenLookup = (*token.File)(nil)
	_ Kafka       = (*consumer.Client)(nil)
)

// Accounts of the tests.
const (
	clientA = 116078
	clientB = 200002
)

// env is a Store on an in-process Kafka, the API on a real HTTP server, and
// one token per account.
type env struct {
	cluster *kafkatest.Cluster
	store   *Store
	stop    func()
	srv     *httptest.Server
	clock   *clock
	tokA    string
	tokB    string
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvConfig(tb, Config{})
}

func newEnvConfig(tb testing.TB, cfg Config) *env {
	tb.Helper()
	e := &env{cluster: newCluster(tb), clock: newClock()}
	e.store, e.stop = startStore(tb, e.cluster, e.clock, cfg)
	path := filepath.Join(tb.TempDir(), "tokens")
	e.tokA, e.tokB = mustToken(tb, path, clientA), mustToken(tb, path, clientB)
	tokens, err := token.Open(path, zaptest.NewLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	e.srv = httptest.NewServer(NewHandler(e.store, tokens, zaptest.NewLogger(tb)))
	tb.Cleanup(e.srv.Close)
	return e
}

// newCluster starts kfake with the registry's topics.
func newCluster(tb testing.TB) *kafkatest.Cluster {
	tb.Helper()
	c := kafkatest.NewCluster(tb)
	for _, topic := range []string{DefaultHooksTopic, DefaultRecipientsTopic, DefaultIDsTopic} {
		c.CreateTopic(tb, topic, 1, true)
	}
	return c
}

// startStore runs a Store on c until stop is called or the test ends, and
// waits until it is ready.
func startStore(tb testing.TB, c *kafkatest.Cluster, clk *clock, cfg Config) (*Store, func()) {
	tb.Helper()
	cfg.Kafka = mustKafka(tb, c)
	s, err := NewStore(cfg, zaptest.NewLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	if clk != nil {
		s.now = clk.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	tb.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.Wait(wctx); err != nil {
		tb.Fatalf("store not ready: %v", err)
	}
	return s, stop
}

// mustKafka is the Kafka client of the production wiring, on c.
func mustKafka(tb testing.TB, c *kafkatest.Cluster) *consumer.Client {
	tb.Helper()
	k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{c.Addr}, Log: zaptest.NewLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(k.Close)
	return k
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

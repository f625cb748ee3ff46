package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/postload/postload/httpapi"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
)

// built is the postload binary, built once for every process test.
var built struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// mustBuild returns the postload binary, building it on first use.
func mustBuild(tb testing.TB) string {
	tb.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "postload-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "postload")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		tb.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// world is what the process tests share: the binary, a broker they survive,
// a receiver, a data dir with a token of one account.
type world struct {
	bin     string
	cluster *kafkatest.Cluster
	rc      *webhooktest.Receiver
	dir     string
	tok     string
}

func newWorld(tb testing.TB, client int64) *world {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds, runs and kills the binary")
	}
	w := &world{bin: mustBuild(tb), cluster: kafkatest.NewCluster(tb), rc: webhooktest.NewReceiver(tb), dir: tb.TempDir()}
	w.tok = mustToken(tb, serveConfig{TokensFile: filepath.Join(w.dir, "tokens")}, client)
	return w
}

// args are the serve flags every process of the world has, then extra.
func (w *world) args(tb testing.TB, extra ...string) []string {
	return append([]string{"--brokers", w.cluster.Addr, "--data-dir", w.dir, "--ca-file", webhooktest.WriteCAs(tb, w.dir, w.rc),
		"--allow-networks", "127.0.0.0/8"}, extra...)
}

// start runs a serve process whose API listens on a free address.
func (w *world) start(tb testing.TB, extra ...string) (*exec.Cmd, *instance) {
	tb.Helper()
	api := freeAddr(tb)
	cmd := startProcess(tb, w.bin, w.args(tb, append([]string{"--listen", api}, extra...)...)...)
	return cmd, &instance{api: "http://" + api + httpapi.BasePath, brokers: []string{w.cluster.Addr}}
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs `postload serve` as a child process.
func startProcess(tb testing.TB, bin string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	logf, err := os.Create(filepath.Join(tb.TempDir(), "serve.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if tb.Failed() {
			b, _ := os.ReadFile(logf.Name())
			tb.Logf("serve log:\n%s", b)
		}
	})
	return cmd
}

// produceEvents puts n events of client/destination on load-completed,
// with event ids prefix-000, prefix-001, ...
func produceEvents(tb testing.TB, in *instance, n int, prefix string, client, dest int64) {
	tb.Helper()
	for i := 0; i < n; i++ {
		mustProduce(tb, in.brokers, "load-completed", fmt.Sprint(i), loadEvent(fmt.Sprintf("%s-%03d", prefix, i), client, dest, prettyPayload))
	}
}

// kill ends a serve process with SIGKILL: no drain, no final commit.
func kill(tb testing.TB, cmd *exec.Cmd) {
	tb.Helper()
	if err := cmd.Process.Kill(); err != nil {
		tb.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
}

// waitDelivered waits until n distinct webhook-ids were answered 2xx.
func waitDelivered(tb testing.TB, rc *webhooktest.Receiver, n int) {
	tb.Helper()
	wait.For(tb, 60*time.Second, func() (bool, string) {
		got := len(rc.Delivered())
		return got == n, fmt.Sprintf("%d of %d delivered", got, n)
	})
}

// Killing the process (SIGKILL: no drain, no final commit) while deliveries
// are in flight and starting it again loses no delivery.
func TestKillBetweenFetchAndCommitLosesNothing(t *testing.T) {
	w := newWorld(t, 116078)
	var mu sync.Mutex
	hang := true
	delivered := map[string]bool{} // answered 200 without hanging
	w.rc.Answer(func(n int, r *http.Request) int {
		mu.Lock()
		h := hang && n >= 30
		if !h {
			delivered[r.Header.Get("Webhook-Id")] = true
		}
		mu.Unlock()
		if h { // in flight when the process dies
			<-r.Context().Done()
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	flags := []string{"--partitions", "2", "--session-timeout", "6s", "--drain-timeout", "3s", "--retry-delays", "100ms,100ms,100ms,100ms,100ms", "--log-level", "debug"}
	p1, in := w.start(t, flags...)
	waitAPI(t, in)
	mustHook(t, in, w.tok, 12345, w.rc.URL)
	const events = 100
	produceEvents(t, in, events, "ev", 116078, 12345)
	wait.For(t, 30*time.Second, func() (bool, string) { return w.rc.Count() >= 40, fmt.Sprintf("%d requests", w.rc.Count()) })
	kill(t, p1)

	mu.Lock()
	before := len(delivered)
	hang = false
	mu.Unlock()
	if before >= events {
		t.Fatalf("all %d events were delivered before the kill; the test proves nothing", before)
	}
	w.start(t, flags...)

	wait.For(t, 60*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) == events, fmt.Sprintf("%d of %d events delivered (%d before the kill)", len(delivered), events, before)
	})
}

// Killing the process while deliveries wait in a retry tier and starting it
// again loses none of them.
func TestKillMidTierLosesNothing(t *testing.T) {
	w := newWorld(t, 116078)
	var up atomic.Bool
	w.rc.Answer(func(int, *http.Request) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	})
	flags := []string{"--partitions", "2", "--session-timeout", "6s", "--drain-timeout", "3s", "--retry-delays", "3s,100ms,100ms,100ms,100ms",
		"--breaker-min-requests", "1000"}
	p1, in := w.start(t, flags...)
	waitAPI(t, in)
	mustHook(t, in, w.tok, 12345, w.rc.URL)
	const events = 30
	produceEvents(t, in, events, "ev", 116078, 12345)
	// Every first attempt failed: all 30 now wait 3 s in postload.retry.1.
	wait.For(t, 30*time.Second, func() (bool, string) {
		n := len(readAll(t, in.brokers, "postload.retry.1"))
		return n == events, fmt.Sprintf("%d of %d in the first tier", n, events)
	})
	kill(t, p1)
	up.Store(true)
	w.start(t, flags...)
	waitDelivered(t, w.rc, events)
}

func waitAPI(tb testing.TB, in *instance) {
	tb.Helper()
	wait.For(tb, 30*time.Second, func() (bool, string) {
		resp, err := http.Get(strings.TrimSuffix(in.api, httpapi.BasePath) + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// Two processes with different roles against one broker deliver
// everything, and killing the dispatching one mid-stream loses nothing: a
// second dispatcher takes its partitions over.
func TestRolesSplitAcrossProcesses(t *testing.T) {
	w := newWorld(t, 7)
	var slow atomic.Bool
	slow.Store(true)
	w.rc.Answer(func(n int, r *http.Request) int {
		if slow.Load() && n >= 20 { // in flight when the dispatcher dies
			<-r.Context().Done()
		}
		return http.StatusOK
	})
	common := []string{"--partitions", "4", "--session-timeout", "6s", "--drain-timeout", "3s",
		// Requests left hanging by the killed dispatcher may also be the
		// retry role's: they end after 2 s and are retried, and no breaker
		// opens on them (this test is about the kill, not about outages).
		"--attempt-timeout", "2s", "--breaker-min-requests", "1000", "--retry-delays", "1s,1s,1s,1s,1s"}
	_, in := w.start(t, append([]string{"--roles", "api,retry,email"}, common...)...)
	d1, dispatcher := w.start(t, append([]string{"--roles", "dispatch"}, common...)...)
	waitAPI(t, in)
	mustHook(t, in, w.tok, 8, w.rc.URL)
	// Another process learns of a new hook when it reads the registry's
	// topic (within about a second): an event it reads before has no hook
	// to go to.
	waitMetric(t, dispatcher, `postload_registry_objects{kind="hooks"}`, 1)
	const events = 60
	produceEvents(t, in, events, "r", 7, 8)
	wait.For(t, 30*time.Second, func() (bool, string) { return w.rc.Count() >= 25, fmt.Sprintf("%d requests", w.rc.Count()) })
	kill(t, d1)
	slow.Store(false)
	w.start(t, append([]string{"--roles", "dispatch"}, common...)...)
	waitDelivered(t, w.rc, events)
}

// SIGTERM stops fetching, lets in-flight deliveries finish, commits and
// exits 0; nothing is attempted twice after the restart.
func TestSIGTERMDrainsCommitsAndExitsZero(t *testing.T) {
	w := newWorld(t, 1)
	rc := w.rc
	release := make(chan struct{})
	rc.Answer(func(int, *http.Request) int { <-release; return http.StatusOK }) // in flight at SIGTERM
	p, in := w.start(t, "--partitions", "1", "--session-timeout", "30s", "--drain-timeout", "20s")
	in.cfg = serveConfig{Partitions: 1}
	waitAPI(t, in)
	mustHook(t, in, w.tok, 2, rc.URL)
	produceEvents(t, in, 5, "t", 1, 2)
	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 5, fmt.Sprintf("%d in flight", rc.Count()) })
	if err := p.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The receivers answer once the process is shutting down (its API has
	// stopped), so the deliveries finish during the drain.
	wait.For(t, 20*time.Second, func() (bool, string) {
		resp, err := http.Get(strings.TrimSuffix(in.api, httpapi.BasePath) + "/healthz")
		if err != nil {
			return true, ""
		}
		resp.Body.Close()
		return false, "the API still answers"
	})
	close(release)
	state, err := p.Process.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if code := state.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	waitCommitted(t, in, "postload", "load-completed")
	if n := len(readAll(t, in.brokers, "postload.retry.1")); n != 0 {
		t.Errorf("%d deliveries handed to the retry tier, want 0: they finished during the drain", n)
	}
}

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

	"github.com/postload/postload/hook"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/webhooktest"
)

// mustBuild builds the postload binary into dir.
func mustBuild(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "postload")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
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

// Killing the process (SIGKILL: no drain, no final commit) while deliveries
// are in flight and starting it again loses no delivery.
func TestKillBetweenFetchAndCommitLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := mustBuild(t, t.TempDir())
	cluster := kafkatest.NewCluster(t)

	rc := webhooktest.NewReceiver(t)
	var mu sync.Mutex
	hang := true
	delivered := map[string]bool{} // answered 200 without hanging
	rc.Answer(func(n int, r *http.Request) int {
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
	dir := t.TempDir()
	ca := webhooktest.WriteCAs(t, dir, rc)
	tokens := filepath.Join(dir, "tokens")
	cfg := serveConfig{TokensFile: tokens}
	tok := mustToken(t, cfg, 116078)
	api := freeAddr(t)
	args := []string{"--brokers", cluster.Addr, "--listen", api, "--data-dir", dir, "--ca-file", ca,
		"--partitions", "2", "--session-timeout", "6s", "--drain-timeout", "3s", "--allow-networks", "127.0.0.0/8", "--retry-delays", "100ms,100ms,100ms,100ms,100ms", "--log-level", "debug"}

	p1 := startProcess(t, bin, args...)
	in := &instance{api: "http://" + api + "/notifications/public/v1/api", brokers: []string{cluster.Addr}}
	waitAPI(t, in)
	mustHook(t, in, tok, 12345, rc.URL)
	const events = 100
	for i := 0; i < events; i++ {
		mustProduce(t, in.brokers, "load-completed", fmt.Sprint(i), loadEvent(fmt.Sprintf("ev-%03d", i), 116078, 12345, prettyPayload))
	}
	wait.For(t, 30*time.Second, func() (bool, string) { return rc.Count() >= 40, fmt.Sprintf("%d requests", rc.Count()) })
	if err := p1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = p1.Process.Wait()

	mu.Lock()
	before := len(delivered)
	hang = false
	mu.Unlock()
	if before >= events {
		t.Fatalf("all %d events were delivered before the kill; the test proves nothing", before)
	}
	startProcess(t, bin, args...)

	wait.For(t, 60*time.Second, func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) == events, fmt.Sprintf("%d of %d events delivered (%d before the kill)", len(delivered), events, before)
	})
}

// Killing the process while deliveries wait in a retry tier and starting it
// again loses none of them.
func TestKillMidTierLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := mustBuild(t, t.TempDir())
	cluster := kafkatest.NewCluster(t)
	rc := webhooktest.NewReceiver(t)
	var up atomic.Bool
	rc.Answer(func(int, *http.Request) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusInternalServerError
	})
	dir := t.TempDir()
	tok := mustToken(t, serveConfig{TokensFile: filepath.Join(dir, "tokens")}, 116078)
	api := freeAddr(t)
	args := []string{"--brokers", cluster.Addr, "--listen", api, "--data-dir", dir, "--ca-file", webhooktest.WriteCAs(t, dir, rc),
		"--partitions", "2", "--session-timeout", "6s", "--drain-timeout", "3s", "--allow-networks", "127.0.0.0/8", "--retry-delays", "3s,100ms,100ms,100ms,100ms",
		"--breaker-min-requests", "1000"}
	p1 := startProcess(t, bin, args...)
	in := &instance{api: "http://" + api + "/notifications/public/v1/api", brokers: []string{cluster.Addr}}
	waitAPI(t, in)
	mustHook(t, in, tok, 12345, rc.URL)
	const events = 30
	for i := 0; i < events; i++ {
		mustProduce(t, in.brokers, "load-completed", fmt.Sprint(i), loadEvent(fmt.Sprintf("ev-%03d", i), 116078, 12345, prettyPayload))
	}
	// Every first attempt failed: all 30 now wait 3 s in postload.retry.1.
	wait.For(t, 30*time.Second, func() (bool, string) {
		n := len(readAll(t, in.brokers, "postload.retry.1"))
		return n == events, fmt.Sprintf("%d of %d in the first tier", n, events)
	})
	if err := p1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = p1.Process.Wait()
	up.Store(true)
	startProcess(t, bin, args...)
	wait.For(t, 60*time.Second, func() (bool, string) {
		n := len(rc.Delivered())
		return n == events, fmt.Sprintf("%d of %d delivered", n, events)
	})
}

func waitAPI(tb testing.TB, in *instance) {
	tb.Helper()
	wait.For(tb, 30*time.Second, func() (bool, string) {
		resp, err := http.Get(strings.TrimSuffix(in.api, hook.BasePath) + "/readyz")
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
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := mustBuild(t, t.TempDir())
	cluster := kafkatest.NewCluster(t)
	rc := webhooktest.NewReceiver(t)
	var slow atomic.Bool
	slow.Store(true)
	rc.Answer(func(n int, r *http.Request) int {
		if slow.Load() && n >= 20 { // in flight when the dispatcher dies
			<-r.Context().Done()
		}
		return http.StatusOK
	})
	dir := t.TempDir()
	tok := mustToken(t, serveConfig{TokensFile: filepath.Join(dir, "tokens")}, 7)
	common := []string{"--brokers", cluster.Addr, "--data-dir", dir, "--ca-file", webhooktest.WriteCAs(t, dir, rc),
		"--partitions", "4", "--session-timeout", "6s", "--drain-timeout", "3s", "--allow-networks", "127.0.0.0/8",
		// Requests left hanging by the killed dispatcher may also be the
		// retry role's: they end after 2 s and are retried, and no breaker
		// opens on them (this test is about the kill, not about outages).
		"--attempt-timeout", "2s", "--breaker-min-requests", "1000", "--retry-delays", "1s,1s,1s,1s,1s"}
	apiAddr := freeAddr(t)
	startProcess(t, bin, append([]string{"--roles", "api,retry,email", "--listen", apiAddr}, common...)...)
	d1 := startProcess(t, bin, append([]string{"--roles", "dispatch", "--listen", freeAddr(t)}, common...)...)
	in := &instance{api: "http://" + apiAddr + "/notifications/public/v1/api", brokers: []string{cluster.Addr}}
	waitAPI(t, in)
	mustHook(t, in, tok, 8, rc.URL)
	const events = 60
	for i := 0; i < events; i++ {
		mustProduce(t, in.brokers, "load-completed", fmt.Sprint(i), loadEvent(fmt.Sprintf("r-%02d", i), 7, 8, prettyPayload))
	}
	wait.For(t, 30*time.Second, func() (bool, string) { return rc.Count() >= 25, fmt.Sprintf("%d requests", rc.Count()) })
	if err := d1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = d1.Process.Wait()
	slow.Store(false)
	startProcess(t, bin, append([]string{"--roles", "dispatch", "--listen", freeAddr(t)}, common...)...)
	wait.For(t, 60*time.Second, func() (bool, string) {
		n := len(rc.Delivered())
		return n == events, fmt.Sprintf("%d of %d delivered", n, events)
	})
}

// SIGTERM stops fetching, lets in-flight deliveries finish, commits and
// exits 0; nothing is attempted twice after the restart.
func TestSIGTERMDrainsCommitsAndExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := mustBuild(t, t.TempDir())
	cluster := kafkatest.NewCluster(t)
	rc := webhooktest.NewReceiver(t)
	release := make(chan struct{})
	rc.Answer(func(int, *http.Request) int { <-release; return http.StatusOK }) // in flight at SIGTERM
	dir := t.TempDir()
	tok := mustToken(t, serveConfig{TokensFile: filepath.Join(dir, "tokens")}, 1)
	api := freeAddr(t)
	args := []string{"--brokers", cluster.Addr, "--listen", api, "--data-dir", dir, "--ca-file", webhooktest.WriteCAs(t, dir, rc),
		"--partitions", "1", "--session-timeout", "30s", "--allow-networks", "127.0.0.0/8", "--drain-timeout", "20s"}
	p := startProcess(t, bin, args...)
	in := &instance{api: "http://" + api + "/notifications/public/v1/api", brokers: []string{cluster.Addr}, cfg: serveConfig{Partitions: 1}}
	waitAPI(t, in)
	mustHook(t, in, tok, 2, rc.URL)
	for i := 0; i < 5; i++ {
		mustProduce(t, in.brokers, "load-completed", "k", loadEvent(fmt.Sprintf("t-%d", i), 1, 2, prettyPayload))
	}
	wait.For(t, 20*time.Second, func() (bool, string) { return rc.Count() == 5, fmt.Sprintf("%d in flight", rc.Count()) })
	if err := p.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The receivers answer once the process is shutting down (its API has
	// stopped), so the deliveries finish during the drain.
	wait.For(t, 20*time.Second, func() (bool, string) {
		resp, err := http.Get(strings.TrimSuffix(in.api, hook.BasePath) + "/healthz")
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

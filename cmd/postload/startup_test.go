package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"golang.org/x/sync/errgroup"
)

// registryNeverReady is a registry that never catches up: its Wait returns
// only when its context ends, as hook.Store's does.
func registryNeverReady(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func registryReady(context.Context) error { return nil }

// TestAwaitRegistry checks what start-up reports while the registry catches
// up: the error of the part that failed (not the "context canceled" its
// failure caused), nothing on a stop, and that every part has stopped when
// start-up gives up.
func TestAwaitRegistry(t *testing.T) {
	listenerErr := errors.New("--metrics-listen 127.0.0.1:9100: accept tcp 127.0.0.1:9100: use of closed network connection")
	for _, tc := range []struct {
		name     string
		registry func(context.Context) error
		failing  error // returned by one part at once; nil: no part fails
		stop     bool  // cancel serve's context while the registry waits
		ready    bool
		wantErr  error // the error must wrap it
	}{
		{name: "a listener fails while the registry catches up", registry: registryNeverReady, failing: listenerErr, wantErr: listenerErr},
		{name: "stopped while the registry catches up", registry: registryNeverReady, stop: true},
		{name: "the registry catches up", registry: registryReady, ready: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			runCtx, stopAll := context.WithCancel(ctx)
			defer stopAll()
			g, gctx := errgroup.WithContext(runCtx)
			stopped := make(chan struct{}) // closed when the part that runs until stopped returns
			g.Go(func() error {
				defer close(stopped)
				<-gctx.Done()
				return nil
			})
			if tc.failing != nil {
				g.Go(func() error { return tc.failing })
			}
			if tc.stop {
				cancel()
			}

			type result struct {
				ready bool
				err   error
			}
			done := make(chan result, 1)
			go func() {
				ready, err := awaitRegistry(ctx, tc.registry, g, gctx, stopAll)
				done <- result{ready, err}
			}()
			var got result
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("awaitRegistry did not return within 10s")
			}

			if got.ready != tc.ready {
				t.Errorf("ready = %t, want %t", got.ready, tc.ready)
			}
			switch {
			case tc.wantErr == nil && got.err != nil:
				t.Errorf("err = %v, want nil", got.err)
			case tc.wantErr != nil && !errors.Is(got.err, tc.wantErr):
				t.Errorf("err = %v, want it to wrap %q", got.err, tc.wantErr)
			case got.err != nil && strings.Contains(got.err.Error(), context.Canceled.Error()):
				t.Errorf("err = %v: it reports the cancellation, not its cause", got.err)
			}
			select {
			case <-stopped:
				if tc.ready {
					t.Errorf("the registry caught up but the parts were stopped: %v", context.Cause(gctx))
				}
			default:
				if !tc.ready {
					t.Error("start-up gave up but returned before its parts had stopped")
				}
			}
			stopAll()
			_ = g.Wait()
		})
	}
}

// TestServeReportsTakenAddress runs serve with its API or metrics address
// taken: start-up stops with an error that names the flag and the address.
func TestServeReportsTakenAddress(t *testing.T) {
	for _, flag := range []string{"listen", "metrics-listen"} {
		t.Run(flag, func(t *testing.T) {
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			cfg := testConfig(t)
			if flag == "listen" {
				cfg.Listen = taken.Addr().String()
			} else {
				cfg.MetricsListen = taken.Addr().String()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = serve(ctx, cfg, zaptest.NewLogger(t), func(string, []string) { t.Error("serve started on a taken address") })
			want := "--" + flag + " " + taken.Addr().String() + ": "
			if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "address already in use") {
				t.Errorf("serve: %v; want an error starting %q that says the address is in use", err, want)
			}
		})
	}
}

package operator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/websession"
)

// TestSessionsOutliveARestartButNotATokenChange: the view's sessions are on
// the sessions' topic, so a restart (a new Server on the same topic) keeps
// them; a restart with another operator token ends them.
func TestSessionsOutliveARestartButNotATokenChange(t *testing.T) {
	cl := kafkatest.NewCluster(t)
	cl.CreateTopic(t, websession.DefaultTopic, 1, true)
	var current atomic.Pointer[Server]
	restart := func(token string) {
		t.Helper()
		k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{cl.Addr}, Timeout: 5 * time.Second, MaxWait: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, func(c *Config) { c.Token, c.Sessions = token, k })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.op.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; k.Close() })
		current.Store(e.op)
	}
	restart(opToken)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.Load().ServeHTTP(w, r) }))
	defer srv.Close()
	b := (&env{srv: srv}).browser(t)
	b.signIn()

	restart(opToken)
	if resp, _ := b.get(Prefix); resp.StatusCode != http.StatusOK {
		t.Errorf("after a restart with the same token: %d, want 200 (still signed in)", resp.StatusCode)
	}
	restart("op-token-another-one-entirely")
	if resp, _ := b.get(Prefix); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after a restart with another token: %d, want 401", resp.StatusCode)
	}
}

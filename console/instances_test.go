package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/postload/postload/consumer"
	"github.com/postload/postload/dlq"
	"github.com/postload/postload/internal/kafkatest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/internal/websession"
	"github.com/postload/postload/schema"
)

// TestTwoInstancesBehindARoundRobinBalancer: two consoles (two serve
// instances) keep their sessions on one topic, behind a balancer that
// sends each request to the other one. Signing in on one, the pages of
// the other, an action's notice (set by one, shown by the other), a
// dry run's counts, a restart of both, and a sign-out all hold; no
// request is signed out by the instance it reached.
func TestTwoInstancesBehindARoundRobinBalancer(t *testing.T) {
	cl := kafkatest.NewCluster(t)
	cl.CreateTopic(t, websession.DefaultTopic, 1, true)
	e := &env{tokens: &fakeTokens{m: map[string]int64{tokA: clientA}}, reg: newFakeRegistry(), dl: &fakeDeadLetters{}, now: t0}
	var instances [2]atomic.Pointer[Server]
	start := func() {
		for i := range instances {
			k, err := consumer.NewClient(consumer.ClientConfig{Brokers: []string{cl.Addr}, Timeout: 5 * time.Second, MaxWait: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Config{Tokens: e.tokens, Registry: e.reg, DeadLetters: e.dl, Log: zaptest.NewLogger(t),
				Now: func() time.Time { return e.now }, Sessions: k})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			t.Cleanup(func() { cancel(); <-done; k.Close() })
			instances[i].Store(s)
		}
	}
	start()
	var next atomic.Int64
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		instances[next.Add(1)%2].Load().ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)

	b := e.signedIn(t, tokA) // sign-in on one, the hooks page on the other
	resp, body := b.submit("hooks", url.Values{"destination_id": {"7"}, "url": {"https://a.example/h"}})
	mustStatus(t, "create", resp, body, http.StatusSeeOther)
	resp, body = b.get("hooks")
	mustStatus(t, "hooks after create", resp, body, http.StatusOK)
	if !strings.Contains(body, "Hook 1 created.") {
		t.Errorf("the other instance does not show the notice:\n%s", body)
	}
	ref := schema.HookRef{ID: 1, ClientID: clientA}
	e.dl.entries = []dlq.Entry{{ID: "0-1", DeadLetter: schema.DeadLetter{EventID: "ev-1", Hook: ref, Reason: "retries_exhausted", DeadAt: t0.Add(-time.Hour)}}}
	resp, body = b.submit("hooks/1/replay", url.Values{"dry_run": {"1"}})
	mustStatus(t, "dry run", resp, body, http.StatusSeeOther)
	resp, body = b.get("hooks/1")
	mustStatus(t, "hook page after the dry run", resp, body, http.StatusOK)
	if !strings.Contains(body, "Dry run: 1 dead letter would be replayed") || !strings.Contains(body, "Replay 1 now") {
		t.Errorf("the other instance does not show the dry run's counts:\n%s", body)
	}

	start() // both restart: the session is on the topic
	for range 4 {
		resp, body = b.get("recipients")
		mustStatus(t, "a page after a restart", resp, body, http.StatusOK)
	}

	// Sign out on one: the cookie goes from the jar, and the session from
	// both instances (at once where it was ended, once the other reads
	// the tombstone), for whoever kept the cookie's value.
	u, _ := url.Parse(e.srv.URL + Prefix)
	var id string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieName {
			id = c.Value
		}
	}
	resp, body = b.post("signout", nil)
	mustStatus(t, "sign out", resp, body, http.StatusSeeOther)
	for i := range instances {
		wait.For(t, 10*time.Second, func() (bool, string) {
			_, ok := instances[i].Load().sessions.Get(context.Background(), id)
			return !ok, fmt.Sprintf("instance %d still has the session after sign-out", i)
		})
	}
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: id, Path: Prefix}})
	for range 2 {
		resp, body = b.get("hooks")
		mustStatus(t, "the old cookie after sign-out", resp, body, http.StatusUnauthorized)
	}
}

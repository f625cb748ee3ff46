package email_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
	"go.uber.org/zap/zaptest"
)

// fakeRecipients answers Recipients with its func.
type fakeRecipients struct {
	recipients func(clientID int64) []schema.Recipient
}

var _ email.Recipients = (*fakeRecipients)(nil)

func (f *fakeRecipients) Recipients(clientID int64) []schema.Recipient {
	return f.recipients(clientID)
}

// recipientsOf returns a fake giving each account the enabled recipients
// with the addresses listed.
func recipientsOf(byClient map[int64][]string) *fakeRecipients {
	return &fakeRecipients{recipients: func(clientID int64) []schema.Recipient {
		var out []schema.Recipient
		for i, a := range byClient[clientID] {
			out = append(out, schema.Recipient{ID: int64(i + 1), ClientID: clientID,
				EmailAddress: a, CreatedAt: time.Now().UTC()})
		}
		return out
	}}
}

// smtpConfig is a config sending to srv, with short windows and retries.
func smtpConfig(t *testing.T, srv *smtptest.Server) email.Config {
	return email.Config{
		From:             "postload@example.com",
		SMTPURL:          "smtp://" + srv.Addr(),
		DigestWindow:     300 * time.Millisecond,
		FailedLoadWindow: 300 * time.Millisecond,
		SendTimeout:      5 * time.Second,
		RetryMin:         20 * time.Millisecond,
		RetryMax:         100 * time.Millisecond,
		FlushTimeout:     5 * time.Second,
		Log:              zaptest.NewLogger(t),
	}
}

// mustRun starts a Sender's Run; the test's end stops it and waits for it.
func mustRun(t *testing.T, cfg email.Config, r email.Recipients) *email.Sender {
	t.Helper()
	s, err := email.New(cfg, r)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

// deadLetter is the value of a dead letter of eventID at hook.
func deadLetter(t *testing.T, eventID string, hook schema.HookRef, reason string) []byte {
	t.Helper()
	start := time.Date(2026, 11, 27, 6, 0, 1, 0, time.UTC)
	attempts := []schema.Attempt{
		{Number: 1, StartedAt: start, DurationMS: 95, Status: 503, Error: "status 503"},
		{Number: 2, StartedAt: start.Add(time.Minute), DurationMS: 30000,
			Error: "Post \"" + hook.URL + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"},
		{Number: 3, StartedAt: start.Add(5 * time.Minute), DurationMS: 3,
			Error: "dial tcp 192.0.2.7:443: connect: connection refused"},
	}
	if reason == schema.ReasonHookGone {
		attempts = []schema.Attempt{{Number: 1, StartedAt: start, DurationMS: 40, Status: 410, Error: "status 410"}}
	}
	last := attempts[len(attempts)-1].StartedAt
	b, err := json.Marshal(schema.DeadLetter{
		Event:          string(schema.SampleLoadEvent(eventID, hook.ClientID, hook.DestinationID, false, start)),
		EventID:        eventID,
		Hook:           hook,
		Attempts:       attempts,
		FirstAttemptAt: start,
		LastAttemptAt:  last,
		Reason:         reason,
		DeadAt:         last.Add(time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadFailure is the value of a failed load of table.
func loadFailure(t *testing.T, eventID string, clientID int64, table, errText string) []byte {
	t.Helper()
	b, err := json.Marshal(schema.LoadFailure{
		EventID: eventID, ClientID: clientID, DestinationID: 12345,
		EmittedAt:       time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC),
		IntegrationName: "shopify", SourceRootTableName: table, Error: errText,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hookRef(id, clientID int64) schema.HookRef {
	return schema.HookRef{ID: id, ClientID: clientID, DestinationID: 12345,
		URL: fmt.Sprintf("https://hooks.example.com/catch/%d", id)}
}

// handled is what a handler returned, and how many messages the SMTP
// server had accepted by then.
type handled struct {
	i        int
	err      error
	accepted int
}

// handleAll runs handle on every value concurrently; results arrive on the
// returned channel, which has room for all of them.
func handleAll(ctx context.Context, srv *smtptest.Server, handle func(context.Context, []byte) error, values ...[]byte) <-chan handled {
	out := make(chan handled, len(values))
	var wg sync.WaitGroup
	for i, v := range values {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := handle(ctx, v)
			n := 0
			if srv != nil {
				n = len(srv.Messages())
			}
			out <- handled{i: i, err: err, accepted: n}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

// mustCollect waits for n results and fails on any error.
func mustCollect(t *testing.T, results <-chan handled, n int, timeout time.Duration) []handled {
	t.Helper()
	var got []handled
	deadline := time.After(timeout)
	for len(got) < n {
		select {
		case h, ok := <-results:
			if !ok {
				t.Fatalf("only %d of %d handlers returned", len(got), n)
			}
			if h.err != nil {
				t.Fatalf("handler %d: %v", h.i, h.err)
			}
			got = append(got, h)
		case <-deadline:
			t.Fatalf("%d of %d handlers returned within %v", len(got), n, timeout)
		}
	}
	return got
}

// messages waits until srv has accepted n messages and returns them parsed.
func messages(t *testing.T, srv *smtptest.Server, n int) []parsedMessage {
	t.Helper()
	wait.For(t, 10*time.Second, func() (bool, string) {
		got := len(srv.Messages())
		return got >= n, fmt.Sprintf("SMTP server accepted %d messages, want %d", got, n)
	})
	var out []parsedMessage
	for _, m := range srv.Messages() {
		out = append(out, parsedMessage{Env: m, Parsed: smtptest.Parse(t, m.Data)})
	}
	return out
}

// parsedMessage is an accepted message: its envelope and its parsed content.
type parsedMessage struct {
	Env smtptest.Message
	smtptest.Parsed
}

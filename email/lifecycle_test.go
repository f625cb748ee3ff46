package email_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/internal/wait"
	"github.com/postload/postload/schema"
)

// When Run's context ends, open windows are flushed: the digest and the
// failed-load batch are sent at once and their handlers return nil; Run
// then returns, and later records get ErrStopped.
func TestShutdownFlushesOpenWindows(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	cfg := smtpConfig(t, srv)
	cfg.DigestWindow, cfg.FailedLoadWindow = time.Hour, time.Hour
	s, err := email.New(cfg, recipientsOf(map[int64][]string{4: {"ops@example.com"}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- s.Run(ctx) }()

	h := hookRef(11, 4)
	mustCollect(t, handleAll(context.Background(), srv, s.HandleDeadLetter, deadLetter(t, "s-1", h, schema.ReasonRetriesExhausted)), 1, 10*time.Second)
	waiting := handleAll(context.Background(), srv, s.HandleDeadLetter, deadLetter(t, "s-2", h, schema.ReasonRetriesExhausted))
	loads := handleAll(context.Background(), srv, s.HandleLoadFailure, loadFailure(t, "lf-1", 4, "orders", "boom"))
	wait.For(t, 10*time.Second, func() (bool, string) {
		st := s.Stats()
		return st.Folded == 1, fmt.Sprintf("stats %+v", st)
	})
	select {
	case r := <-waiting:
		t.Fatalf("folded handler returned %v before its window closed", r.err)
	default:
	}

	cancel()
	mustCollect(t, waiting, 1, 10*time.Second)
	mustCollect(t, loads, 1, 10*time.Second)
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if n := len(messages(t, srv, 3)); n != 3 {
		t.Errorf("%d emails, want the first, the digest and the failed loads", n)
	}
	err = s.HandleDeadLetter(context.Background(), deadLetter(t, "s-3", hookRef(12, 4), schema.ReasonRetriesExhausted))
	if !errors.Is(err, email.ErrStopped) {
		t.Errorf("after Run: %v, want ErrStopped", err)
	}
	if err := s.Run(context.Background()); err == nil {
		t.Error("second Run returned nil")
	}
}

// A handler whose context ends before its email was sent returns the
// context's error, so the record is redelivered.
func TestHandlerContextEnds(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	cfg := smtpConfig(t, srv)
	cfg.DigestWindow = time.Hour
	s := mustRun(t, cfg, recipientsOf(map[int64][]string{4: {"ops@example.com"}}))
	h := hookRef(13, 4)
	if err := s.HandleDeadLetter(context.Background(), deadLetter(t, "c-1", h, schema.ReasonRetriesExhausted)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.HandleDeadLetter(ctx, deadLetter(t, "c-2", h, schema.ReasonRetriesExhausted))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
}

// A value that does not decode is an error wrapping ErrInvalid (and
// schema.ErrInvalid), for the caller to route to the invalid topic.
func TestInvalidValue(t *testing.T) {
	s := mustRun(t, email.Config{OutboxDir: t.TempDir()}, recipientsOf(nil))
	for name, handle := range map[string]func(context.Context, []byte) error{
		"dead letter": s.HandleDeadLetter, "load failure": s.HandleLoadFailure,
	} {
		err := handle(context.Background(), []byte(`{"event_id": 1}`))
		if !errors.Is(err, email.ErrInvalid) || !errors.Is(err, schema.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

package email_test

import (
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/schema"
)

// Stopping the email role mid-window does not wait for the window and
// sends nothing; the next process continues the window and sends its
// digest once, at the window's end, without mailing the first dead letter
// again.
func TestRestartContinuesTheWindow(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(t)
	cfg.DigestWindow = time.Hour
	r := recipientsOf(map[int64][]string{5: {"ops@example.com"}})
	h := hookRef(77, 5)

	a := startOwning(t, cfg, r)
	e.produceDeadLetter(t, "w-1", h, schema.ReasonRetriesExhausted)
	messages(t, e.srv, 1)
	for _, id := range []string{"w-2", "w-3", "w-4"} {
		e.produceDeadLetter(t, id, h, schema.ReasonRetriesExhausted)
	}
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Folded == 3 })
	e.waitCommitted(t, dlqTopic)
	stopped := time.Now()
	a.stop()
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("stopping took %v with a window of an hour open", d)
	}
	if n := len(e.srv.Messages()); n != 1 {
		t.Fatalf("%d emails after stopping, want 1: stopping sends no digest", n)
	}

	e.clock.Advance(30 * time.Minute)
	b := startOwning(t, cfg, r)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	if n := len(e.srv.Messages()); n != 1 {
		t.Fatalf("%d emails after the restart, before the window's end; want 1", n)
	}
	e.clock.Advance(30 * time.Minute)
	msgs := messages(t, e.srv, 2)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Pending == 0 && st.Sent == 1 })
	if len(msgs) != 2 {
		t.Fatalf("%d emails, want the first and one digest", len(msgs))
	}
	mustContain(t, msgs[1].Text, "3 more notifications to "+h.URL, "w-2", "w-3", "w-4")
}

// Records folded but not committed (a crash between the two) are
// delivered again to the next owner, which counts them once and mails
// nothing again.
func TestRedeliveredRecordsCountedOnce(t *testing.T) {
	e := newEnv(t)
	r := recipientsOf(map[int64][]string{5: {"ops@example.com"}})
	h := hookRef(78, 5)

	a := startOwning(t, e.config(t), r)
	e.produceDeadLetter(t, "dup-1", h, schema.ReasonRetriesExhausted)
	messages(t, e.srv, 1)
	e.produceDeadLetter(t, "dup-2", h, schema.ReasonRetriesExhausted)
	e.produceDeadLetter(t, "dup-3", h, schema.ReasonRetriesExhausted)
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Folded == 2 })
	e.waitCommitted(t, dlqTopic)
	a.stop()
	e.rewind(t, dlqTopic)

	b := startOwning(t, e.config(t), r)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Refolded == 3 })
	e.clock.Advance(time.Minute)
	msgs := messages(t, e.srv, 2)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Pending == 0 && st.Sent == 1 })
	if len(msgs) != 2 {
		t.Fatalf("%d emails, want the first and one digest", len(msgs))
	}
	mustContain(t, msgs[1].Text, "2 more notifications to "+h.URL)
	if st := b.Stats(); st.Folded != 0 {
		t.Errorf("stats %+v: the redelivered records were folded again", st)
	}
}

// An email owed when the process stopped (the SMTP server was down) is
// sent by the next owner, once, even when the record that caused it is
// folded again because the step that owed it was cut short by a crash
// (its email is in Kafka, the hook's record is not).
func TestOwedEmailSentOnceByTheNextOwner(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(t)
	cfg.Clock = nil // backoff in real time while the server is down
	r := recipientsOf(map[int64][]string{5: {"ops@example.com"}})
	h := hookRef(79, 5)

	e.srv.Down()
	a := startOwning(t, cfg, r)
	e.produceDeadLetter(t, "owed-1", h, schema.ReasonRetriesExhausted)
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Pending == 1 && st.SendFailures > 0 })
	e.waitCommitted(t, dlqTopic)
	a.stop()
	// The crash cut the step short after its email: the hook's record (and
	// the commit) did not make it.
	for p := range partitions {
		e.writeState(t, "postload.dlq/"+string(rune('0'+p))+"/hook/79", nil)
	}
	e.rewind(t, dlqTopic)

	e.srv.Up()
	b := startOwning(t, cfg, r)
	msgs := messages(t, e.srv, 1)
	e.waitCommitted(t, dlqTopic)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Pending == 0 && st.Sent == 1 })
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want 1", len(msgs))
	}
	mustContain(t, msgs[0].Text, "owed-1")
}

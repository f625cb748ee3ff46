package email_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
	"github.com/postload/postload/schema"
)

// 50 dead letters of one hook within the window: one email at once, one
// digest counting the other 49 when the window closes; every folded
// handler returns only after the digest was accepted. A dead letter after
// the window starts a new cycle.
func TestFloodFoldsIntoOneDigest(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	cfg := smtpConfig(t, srv) // DigestWindow 300ms
	s := mustRun(t, cfg, recipientsOf(map[int64][]string{5: {"ops@example.com"}}))
	h := hookRef(77, 5)

	var values [][]byte
	for i := range 50 {
		values = append(values, deadLetter(t, fmt.Sprintf("flood-%02d", i), h, schema.ReasonRetriesExhausted))
	}
	results := mustCollect(t, handleAll(context.Background(), srv, s.HandleDeadLetter, values...), 50, 10*time.Second)
	early := 0
	for _, r := range results {
		if r.accepted < 2 {
			early++
		}
	}
	if early > 1 {
		t.Errorf("%d handlers returned before the digest was accepted; only the first may", early)
	}

	msgs := messages(t, srv, 2)
	if len(msgs) != 2 {
		t.Fatalf("got %d emails, want 2", len(msgs))
	}
	first, digest := msgs[0], msgs[1]
	for _, m := range msgs {
		if m.Subject != email.SubjectUndeliverable {
			t.Errorf("subject %q", m.Subject)
		}
	}
	if n := strings.Count(first.Text, "Event id:"); n != 1 {
		t.Errorf("first email lists %d dead letters, want 1", n)
	}
	for _, part := range []string{digest.Text, digest.HTML} {
		mustContain(t, part, "49 more notifications to "+h.URL+" could not be delivered")
	}
	mustContain(t, digest.Text, "The first 5 are listed below; 44 more are not.", "status 503")
	if n := strings.Count(digest.Text, "Event id:"); n != 5 {
		t.Errorf("digest lists %d dead letters in full, want 5", n)
	}
	if st := s.Stats(); st.Sent != 2 || st.Folded != 49 {
		t.Errorf("stats %+v, want 2 sent and 49 folded", st)
	}

	// After the window: mailed at once again.
	late := mustCollect(t, handleAll(context.Background(), srv, s.HandleDeadLetter,
		deadLetter(t, "late", h, schema.ReasonRetriesExhausted)), 1, 10*time.Second)
	if late[0].accepted != 3 {
		t.Errorf("the dead letter after the window returned with %d emails accepted, want 3", late[0].accepted)
	}
	third := messages(t, srv, 3)[2]
	mustContain(t, third.Text, "late", "We could not deliver a post-load notification")
}

// A redelivered dead letter (same event id) within the window is not
// counted twice.
func TestRedeliveryCountedOnce(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := mustRun(t, smtpConfig(t, srv), recipientsOf(map[int64][]string{5: {"ops@example.com"}}))
	h := hookRef(78, 5)
	v1 := deadLetter(t, "dup-1", h, schema.ReasonRetriesExhausted)
	v2 := deadLetter(t, "dup-2", h, schema.ReasonRetriesExhausted)
	mustCollect(t, handleAll(context.Background(), srv, s.HandleDeadLetter, v1), 1, 10*time.Second)
	mustCollect(t, handleAll(context.Background(), srv, s.HandleDeadLetter, v1, v2, v2), 3, 10*time.Second)
	msgs := messages(t, srv, 2)
	mustContain(t, msgs[1].Text, "1 more notification to "+h.URL+" could not be delivered")
	if st := s.Stats(); st.Folded != 1 || st.Sent != 2 {
		t.Errorf("stats %+v", st)
	}
}

package email_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/schema"
)

// 50 dead letters of one hook within the window: one email at once, one
// digest counting the other 49 when the window closes. Every record is
// committed as soon as it is folded, long before the digest goes out. A
// dead letter after the window starts a new one, mailed at once.
func TestFloodFoldsIntoOneDigest(t *testing.T) {
	e := newEnv(t)
	s := startOwning(t, e.config(t), recipientsOf(map[int64][]string{5: {"ops@example.com"}}))
	h := hookRef(77, 5)
	for i := range 50 {
		e.produceDeadLetter(t, fmt.Sprintf("flood-%02d", i), h, schema.ReasonRetriesExhausted)
	}
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Folded == 49 && st.Sent == 1 })
	e.waitCommitted(t, dlqTopic) // the window is still open
	if n := len(e.srv.Messages()); n != 1 {
		t.Fatalf("%d emails before the window closed, want 1", n)
	}

	e.clock.Advance(time.Minute)
	msgs := messages(t, e.srv, 2)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	if len(msgs) != 2 {
		t.Fatalf("got %d emails, want 2", len(msgs))
	}
	first, digest := msgs[0], msgs[1]
	if n := strings.Count(first.Text, "Event id:"); n != 1 {
		t.Errorf("first email lists %d dead letters, want 1", n)
	}
	for _, part := range []string{digest.Text, digest.HTML} {
		mustContain(t, part, "49 more notifications to "+h.URL+" could not be delivered",
			"In all, 147 requests sent.")
	}
	mustContain(t, digest.Text, "The first 5 are listed below; 44 more are not.", "status 503")
	if n := strings.Count(digest.Text, "Event id:"); n != 5 {
		t.Errorf("digest lists %d dead letters in full, want 5", n)
	}
	if id := digest.Header.Get("Message-Id"); !strings.HasPrefix(id, "<digest.77.") {
		t.Errorf("digest Message-ID %q", id)
	}

	e.produceDeadLetter(t, "late", h, schema.ReasonRetriesExhausted)
	third := messages(t, e.srv, 3)[2]
	mustContain(t, third.Text, "late", "We could not deliver a post-load notification")
	if st := s.Stats(); st.Sent != 3 || st.Folded != 49 {
		t.Errorf("stats %+v, want 3 sent and 49 folded", st)
	}
}

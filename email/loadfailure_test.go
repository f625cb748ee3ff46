package email_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
)

// Failed loads of three tables of one account, read from two partitions
// of load-failed and forwarded (one twice, as after a crash of the
// forwarder): one email listing all three tables, each failed load counted
// once, with its latest raw error, and the records committed at once.
func TestFailedLoadsOfOneAccountMailedTogether(t *testing.T) {
	e := newEnv(t)
	to := []string{"ops@example.com", "dba@example.com"}
	s := startOwning(t, e.config(t), recipientsOf(map[int64][]string{116078: to}))

	src := func(p int, off int64) email.Source {
		return email.Source{Topic: "load-failed", Partition: p, Offset: off}
	}
	f1 := loadFailure(t, "f1", 116078, "orders", "permission denied for schema analytics")
	e.forwardFailure(t, src(0, 10), f1)
	e.forwardFailure(t, src(1, 3), loadFailure(t, "f2", 116078, "customers", `relation "customers" does not exist`))
	e.forwardFailure(t, src(0, 11), loadFailure(t, "f3", 116078, "products", "disk quota exceeded"))
	e.forwardFailure(t, src(0, 10), f1) // forwarded again
	e.forwardFailure(t, src(1, 4), loadFailure(t, "f4", 116078, "orders", "permission denied for schema analytics"))
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Refolded == 1 })
	e.waitCommitted(t, failedTopic)
	if n := len(e.srv.Messages()); n != 0 {
		t.Fatalf("%d emails before the window closed", n)
	}

	e.clock.Advance(time.Minute)
	msgs := messages(t, e.srv, 1)
	waitStats(t, s.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	if len(msgs) != 1 {
		t.Fatalf("got %d emails, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Subject != email.SubjectFailedLoads {
		t.Errorf("subject %q, want %q", m.Subject, email.SubjectFailedLoads)
	}
	if !slices.Equal(m.To, to) {
		t.Errorf("To %v, want %v", m.To, to)
	}
	for _, part := range []string{m.Text, m.HTML} {
		mustContain(t, part, "orders", "customers", "products", "shopify", "permission denied for schema analytics",
			"disk quota exceeded", "2026-11-27 06:00:00 UTC")
	}
	mustContain(t, m.Text, `relation "customers" does not exist`, "4 loads of the tables below failed")
	if n := strings.Count(m.Text, "Table: "); n != 3 {
		t.Errorf("%d tables listed, want 3:\n%s", n, m.Text)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasPrefix(id, "<failed_loads.116078.") {
		t.Errorf("Message-ID %q", id)
	}
}

// Forward keys a failed load by its account and refuses what does not
// decode.
func TestForward(t *testing.T) {
	key, _, err := email.Forward(email.Source{Topic: "load-failed"}, loadFailure(t, "f", 42, "t", "e"))
	if err != nil || string(key) != "42" {
		t.Errorf("Forward: key %q, %v", key, err)
	}
	if _, _, err := email.Forward(email.Source{}, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("Forward of {}: %v, want ErrInvalid", err)
	}
}

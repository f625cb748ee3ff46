package email_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/internal/smtptest"
)

// Failed loads of three tables of one account within the window: one email
// listing all three, each once, with its latest raw error; every handler
// returns only after that email was accepted.
func TestFailedLoadsOfOneAccountMailedTogether(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	to := []string{"ops@example.com", "dba@example.com"}
	s := mustRun(t, smtpConfig(t, srv), recipientsOf(map[int64][]string{116078: to}))

	values := [][]byte{
		loadFailure(t, "f1", 116078, "orders", "permission denied for schema analytics"),
		loadFailure(t, "f2", 116078, "customers", `relation "customers" does not exist`),
		loadFailure(t, "f3", 116078, "products", "disk quota exceeded"),
		loadFailure(t, "f4", 116078, "orders", "permission denied for schema analytics"),
	}
	for _, r := range mustCollect(t, handleAll(context.Background(), srv, s.HandleLoadFailure, values...), 4, 10*time.Second) {
		if r.accepted != 1 {
			t.Errorf("handler %d returned with %d emails accepted, want 1", r.i, r.accepted)
		}
	}
	msgs := messages(t, srv, 1)
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
}

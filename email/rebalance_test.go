package email_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postload/postload/email"
	"github.com/postload/postload/schema"
)

// Two processes in one group: the partitions move between them while
// windows are open and digests are owed (the SMTP server is down), and
// every email goes out exactly once: neither loses a window it gave up
// nor sends for a partition it no longer owns. Then one stops and the
// other takes over the rest.
func TestRebalanceMovesWindowsExactlyOnce(t *testing.T) {
	e := newEnv(t)
	cfg := e.config(t)
	cfg.DigestWindow = time.Hour
	byClient := map[int64][]string{}
	var hooks []schema.HookRef
	for c := int64(1); c <= 8; c++ { // clients spread over both partitions
		byClient[c] = []string{fmt.Sprintf("ops%d@example.com", c)}
		hooks = append(hooks, hookRef(100+c, c))
	}
	r := recipientsOf(byClient)

	a := startOwning(t, cfg, r)
	for _, h := range hooks {
		e.produceDeadLetter(t, fmt.Sprintf("first-%d", h.ID), h, schema.ReasonRetriesExhausted)
	}
	messages(t, e.srv, len(hooks))
	for _, h := range hooks {
		for i := range 2 {
			e.produceDeadLetter(t, fmt.Sprintf("more-%d-%d", h.ID, i), h, schema.ReasonRetriesExhausted)
		}
	}
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Folded == int64(2*len(hooks)) })
	e.waitCommitted(t, dlqTopic)

	// The windows close while the server is down: every digest is owed.
	e.srv.Down()
	e.clock.Advance(time.Hour)
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Pending == int64(len(hooks)) })

	b := start(t, cfg, r)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Partitions > 0 })
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Partitions > 0 && st.Partitions < 2*partitions })
	e.srv.Up()
	msgs := messagesAdvancing(t, e, 2*len(hooks))
	waitStats(t, a.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Pending == 0 })
	if sa, sb := a.Stats(), b.Stats(); sb.Sent == 0 {
		t.Errorf("stats %+v and %+v: the new process sent no digest, so the partitions did not move", sa, sb)
	}

	// One process leaves; the other takes everything over.
	a.stop()
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Partitions == 2*partitions && st.Pending == 0 })
	for _, h := range hooks {
		e.produceDeadLetter(t, fmt.Sprintf("after-%d", h.ID), h, schema.ReasonRetriesExhausted)
	}
	msgs = messages(t, e.srv, 3*len(hooks))
	e.waitCommitted(t, dlqTopic)
	waitStats(t, b.Sender, func(st email.Stats) bool { return st.Pending == 0 })

	byID := map[string]int{}
	digests := map[string]int{}
	for _, m := range msgs {
		byID[m.Header.Get("Message-Id")]++
		for _, h := range hooks {
			if m.Subject == email.SubjectUndeliverable && strings.Contains(m.Text, "2 more notifications to "+h.URL) {
				digests[h.URL]++
			}
		}
	}
	if len(msgs) != 3*len(hooks) || len(byID) != len(msgs) {
		t.Errorf("%d emails with %d distinct Message-IDs, want %d distinct: %v", len(msgs), len(byID), 3*len(hooks), byID)
	}
	for _, h := range hooks {
		if digests[h.URL] != 1 {
			t.Errorf("hook %d: %d digests, want 1", h.ID, digests[h.URL])
		}
	}
}

package console

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/postload/postload/schema"
)

// The sections of a hook's page whose sources are optional (ports.go): the
// delivery log, send test and auto-disable. Each shows only when its
// source is set.

// attemptsShown is how many attempts a page of the delivery log shows.
const attemptsShown = 50

// attemptsView is the delivery log section: its filter and one page.
type attemptsView struct {
	Outcome, EventID, Since, Until string
	Outcomes                       []string
	Attempts                       []schema.LoggedAttempt
	Next                           string
	Error                          string
}

// attempts reads the delivery log page the query asks for: outcome,
// event_id, since, until (RFC 3339) and cursor.
func (s *Server) attempts(r *http.Request, a *account, hookID int64) *attemptsView {
	q := r.URL.Query()
	v := &attemptsView{
		Outcome: q.Get("outcome"), EventID: q.Get("event_id"), Since: q.Get("since"), Until: q.Get("until"),
		Outcomes: []string{schema.LoggedDelivered, schema.LoggedFailed, schema.LoggedSkipped},
	}
	aq := AttemptQuery{ClientID: a.client, HookID: hookID, EventID: v.EventID, Outcome: v.Outcome, Limit: attemptsShown, Cursor: q.Get("cursor")}
	var err error
	if aq.Since, err = formTime(v.Since); err == nil {
		aq.Until, err = formTime(v.Until)
	}
	if err != nil {
		v.Error = "since and until are RFC 3339 times, like 2026-01-02T15:04:05Z"
		return v
	}
	page, err := s.cfg.Attempts.Attempts(r.Context(), aq)
	if err != nil {
		s.failed(r, a, "delivery log", err)
		v.Error = msgUnavailable
		return v
	}
	v.Attempts, v.Next = page.Attempts, page.Next
	return v
}

func formTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// sendTest: POST hooks/{id}/test sends one test webhook and shows its
// attempt. 404 without a Tester.
func (s *Server) sendTest(r *http.Request, a *account) result {
	h, ok := s.hookOf(r, a)
	if !ok || s.cfg.Tester == nil {
		return notFound()
	}
	at, err := s.cfg.Tester.SendTest(r.Context(), h)
	if err != nil && !errors.Is(err, r.Context().Err()) {
		return s.failed(r, a, "send test", err)
	}
	text := fmt.Sprintf("Test sent: %s", at.Outcome)
	if at.Status != 0 {
		text += fmt.Sprintf(", HTTP %d", at.Status)
	}
	text += fmt.Sprintf(", in %d ms", at.DurationMS)
	if at.Error != "" {
		text += ": " + at.Error
	}
	s.notify(a, notice{Text: text, Error: at.Outcome != schema.LoggedDelivered})
	return result{redirect: hookPath(h.ID)}
}

// autoDisableView is the auto-disable section.
type autoDisableView struct {
	Known bool
	AutoDisableState
	Off bool
}

func autoDisableOf(src AutoDisable, h schema.Hook) *autoDisableView {
	st, ok := src.AutoDisableState(h.ID)
	return &autoDisableView{Known: ok, AutoDisableState: st, Off: ok && st.After == 0}
}

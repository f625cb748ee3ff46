package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/postload/postload/schema"
)

// The sections of a hook's page whose sources are optional (ports.go): the
// delivery log, send test and auto-disable. Each shows only when its
// source is set.

// attemptsShown is how many attempts a page of the delivery log shows.
const attemptsShown = 50

// attemptsView is the delivery log section: its filter, one page, and the
// last hour's charts. The part under "log-live" (templates/parts.html) is
// also served alone, as the live fragment.
type attemptsView struct {
	HookID                         int64
	Outcome, EventID, Since, Until string
	Outcomes                       []string
	Attempts                       []attemptRow
	Next                           string
	Error                          string
	// Live is the fragment's path with the filter, on the first page
	// (no cursor) only: older pages do not change.
	Live   string
	Charts *chartsView // nil when the log could not be read
}

// attemptRow is one attempt of the log with its key: the same attempt has
// the same key in the page and in every fragment, so that the script keeps
// the rows it has (and their open snippets).
type attemptRow struct {
	schema.LoggedAttempt
	Key string
}

// attempts reads the delivery log page the query asks for (outcome,
// event_id, since, until (RFC 3339) and cursor) and the last hour of the
// hook's attempts, for the charts.
func (s *Server) attempts(r *http.Request, a *account, hookID int64) *attemptsView {
	q := r.URL.Query()
	v := &attemptsView{
		HookID: hookID, Outcome: q.Get("outcome"), EventID: q.Get("event_id"), Since: q.Get("since"), Until: q.Get("until"),
		Outcomes: []string{schema.LoggedDelivered, schema.LoggedFailed, schema.LoggedSkipped},
	}
	aq := AttemptQuery{ClientID: a.client, HookID: hookID, EventID: v.EventID, Outcome: v.Outcome, Limit: attemptsShown, Cursor: q.Get("cursor")}
	if aq.Cursor == "" {
		live := url.Values{}
		for _, k := range []string{"outcome", "event_id", "since", "until"} {
			if x := q.Get(k); x != "" {
				live.Set(k, x)
			}
		}
		v.Live = hookPath(hookID) + "/live"
		if len(live) > 0 {
			v.Live += "?" + live.Encode()
		}
	}
	if !slices.Contains(append(v.Outcomes, ""), v.Outcome) {
		v.Error = "outcome must be one of delivered, failed, skipped"
		return v
	}
	var err error
	if aq.Since, err = formTime(v.Since); err == nil {
		aq.Until, err = formTime(v.Until)
	}
	if err != nil {
		v.Error = "since and until are RFC 3339 times, like 2026-01-02T15:04:05Z"
		return v
	}
	st, err := lastHour(r.Context(), s.cfg.Attempts, a.client, hookID, s.cfg.Now())
	if err != nil {
		v.Error = s.logError(r, a, err)
		return v
	}
	v.Charts = chartsOf(st)
	page, err := s.cfg.Attempts.Attempts(r.Context(), aq)
	if err != nil {
		v.Error = s.logError(r, a, err)
		return v
	}
	seen := map[string]bool{}
	for _, at := range page.Attempts {
		if k := attemptKey(at); !seen[k] { // a record written twice shows once
			seen[k] = true
			v.Attempts = append(v.Attempts, attemptRow{LoggedAttempt: at, Key: k})
		}
	}
	v.Next = page.Next
	return v
}

// attemptKey names an attempt: its start, event and number. A record the
// log's writer wrote twice has one key, and shows once in a page.
func attemptKey(a schema.LoggedAttempt) string {
	return fmt.Sprintf("%d.%d.%s", a.At.UnixNano(), a.Attempt, a.EventID)
}

// logError is what the page says when the delivery log did not answer.
func (s *Server) logError(r *http.Request, a *account, err error) string {
	switch {
	case errors.Is(err, ErrLogNotReady):
		return msgLogNotReady
	case errors.Is(err, ErrBadCursor):
		return msgBadCursor
	}
	s.failed(r, a, "delivery log", err)
	return msgLogUnavailable
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

// liveLog: GET hooks/{id}/live, the delivery log section's live part
// alone (the first page with the query's filter, and the charts), which
// console.js fetches every 2 s to show new attempts without a reload. The
// page's rules: 401 signed out, 404 for a hook not the account's or
// without a delivery log; a GET, so no CSRF token. ?known= the version
// (X-Fragment-Version) the script has: 204 when it is still the same.
func (s *Server) liveLog(r *http.Request, a *account) result {
	h, ok := s.hookOf(r, a)
	if !ok || s.cfg.Attempts == nil {
		return notFound()
	}
	q := r.URL.Query()
	q.Del("cursor") // the first page: the one that changes
	r.URL.RawQuery = q.Encode()
	return result{status: http.StatusOK, page: "hook", fragment: "log-live", data: s.attempts(r, a, h.ID)}
}

package console

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/postload/postload/dlq"
	"github.com/postload/postload/schema"
)

// deadLettersShown bounds the dead letters a hook's page lists: the newest.
const deadLettersShown = 50

// hookView is one hook's page.
type hookView struct {
	hookRow
	ShowBreakers bool
	ShowSecret   bool
	DeadLetters  []deadLetterRow // newest first
	DeadTotal    int
	DeadError    bool
	// The optional sections: nil (false) when their source is not set.
	Attempts    *attemptsView
	CanTest     bool
	AutoDisable *autoDisableView
}

// deadLetterRow is one dead letter in the hook's page.
type deadLetterRow struct {
	ID, EventID, Reason string
	DeadAt              time.Time
	RequestsSent        int
	LastStatus          int
	LastError           string
	Replayed            bool
}

// hookPage: GET hooks/{id}; ?show=secret shows the secret.
func (s *Server) hookPage(r *http.Request, a *account) result {
	h, ok := s.hookOf(r, a)
	if !ok {
		return notFound()
	}
	v := hookView{
		hookRow: s.row(h, s.breakerStates()), ShowBreakers: s.cfg.Breakers != nil,
		ShowSecret: r.URL.Query().Get("show") == "secret", CanTest: s.cfg.Tester != nil,
	}
	ring := make([]deadLetterRow, 0, deadLettersShown)
	err := s.cfg.DeadLetters.Scan(r.Context(), dlq.Filter{ClientID: a.client, HookID: h.ID}, func(e dlq.Entry, replayed bool) error {
		v.DeadTotal++
		if len(ring) == deadLettersShown {
			ring = ring[1:]
		}
		ring = append(ring, deadLetterRowOf(e, replayed))
		return nil
	})
	if err != nil {
		s.failed(r, a, "dead letters", err)
		v.DeadError = true
	}
	slices.Reverse(ring)
	v.DeadLetters = ring
	if s.cfg.Attempts != nil {
		v.Attempts = s.attempts(r, a, h.ID)
	}
	if s.cfg.AutoDisable != nil {
		v.AutoDisable = autoDisableOf(s.cfg.AutoDisable, h)
	}
	return result{status: http.StatusOK, page: "hook", data: v}
}

func deadLetterRowOf(e dlq.Entry, replayed bool) deadLetterRow {
	dl := e.DeadLetter
	row := deadLetterRow{ID: e.ID, EventID: dl.EventID, Reason: dl.Reason, DeadAt: dl.DeadAt, Replayed: replayed}
	row.RequestsSent, _ = schema.CountAttempts(dl.Attempts)
	if n := len(dl.Attempts); n > 0 {
		row.LastStatus, row.LastError = dl.Attempts[n-1].Status, dl.Attempts[n-1].Error
	}
	return row
}

// replayView is a replay's result, shown on the hook's page. After a dry
// run it offers the replay of the same dead letters: those dead before
// Until.
type replayView struct {
	HookID   int64
	DryRun   bool
	Replayed int
	Skipped  []skipCount
	Until    string
}

type skipCount struct {
	Reason string
	N      int
}

// replay: POST hooks/{id}/replay with dry_run=1 for a dry run; until
// (RFC 3339), as the dry run's form carries it, bounds the dead letters
// to those the dry run counted.
func (s *Server) replay(r *http.Request, a *account) result {
	h, ok := s.hookOf(r, a)
	if !ok {
		return notFound()
	}
	f := dlq.Filter{ClientID: a.client, HookID: h.ID}
	dry := r.PostForm.Get("dry_run") == "1"
	if u := r.PostForm.Get("until"); u != "" {
		t, err := time.Parse(time.RFC3339Nano, u)
		if err != nil {
			return result{status: http.StatusBadRequest, page: "error", data: errorView{Message: "until must be an RFC 3339 time"}}
		}
		f.Until = t
	} else {
		f.Until = s.cfg.Now()
	}
	return s.replayDeadLetters(r, a, h, f, dry, "")
}

// comeBack: POST hooks/{id}/come-back, the way back from auto-disable as
// one action: enable the hook, then replay its dead letters since the
// failing streak began (the form's since, the page's failing_since).
func (s *Server) comeBack(r *http.Request, a *account) result {
	h, ok := s.hookOf(r, a)
	if !ok {
		return notFound()
	}
	since, err := time.Parse(time.RFC3339Nano, r.PostForm.Get("since"))
	if err != nil {
		return result{status: http.StatusBadRequest, page: "error", data: errorView{Message: "since must be an RFC 3339 time"}}
	}
	if _, err := s.cfg.Registry.SetHookEnabled(r.Context(), a.client, h.ID, true); err != nil {
		return s.failed(r, a, "enable", err)
	}
	f := dlq.Filter{ClientID: a.client, HookID: h.ID, Since: since, Until: s.cfg.Now()}
	return s.replayDeadLetters(r, a, h, f, false, "Enabled. ")
}

// replayDeadLetters replays (or, dry, counts) the dead letters f selects,
// one replay at a time, and tells the account what came of it, after
// before.
func (s *Server) replayDeadLetters(r *http.Request, a *account, h schema.Hook, f dlq.Filter, dry bool, before string) result {
	select {
	case s.replaying <- struct{}{}:
		defer func() { <-s.replaying }()
	case <-r.Context().Done():
		return s.failed(r, a, "dead letters", r.Context().Err())
	}
	res, err := s.cfg.DeadLetters.Replay(r.Context(), f, dry)
	if err != nil {
		return s.failed(r, a, "dead letters", err)
	}
	v := &replayView{HookID: h.ID, DryRun: dry, Replayed: res.Replayed, Until: f.Until.UTC().Format(time.RFC3339Nano)}
	for reason, n := range res.Skipped {
		v.Skipped = append(v.Skipped, skipCount{reason, n})
	}
	slices.SortFunc(v.Skipped, func(x, y skipCount) int { return cmp.Compare(x.Reason, y.Reason) })
	s.notify(a, notice{Text: before + replayText(v), Replay: v})
	return result{redirect: hookPath(h.ID)}
}

// replayText says what a replay did, or would do.
func replayText(v *replayView) string {
	var skipped []string
	for _, sk := range v.Skipped {
		skipped = append(skipped, fmt.Sprintf("%d %s", sk.N, sk.Reason))
	}
	rest := ""
	if len(skipped) > 0 {
		rest = "; skipped: " + strings.Join(skipped, ", ")
	}
	if v.DryRun {
		return fmt.Sprintf("Dry run: %s would be replayed%s.", deadLetters(v.Replayed), rest)
	}
	return fmt.Sprintf("Replayed %s%s.", deadLetters(v.Replayed), rest)
}

// deadLetters is "1 dead letter", "2 dead letters".
func deadLetters(n int) string {
	if n == 1 {
		return "1 dead letter"
	}
	return fmt.Sprintf("%d dead letters", n)
}

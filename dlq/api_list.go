package dlq

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/postload/postload/schema"
)

// Limits of GET /hooks/{id}/dead-letters.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// deadLetterView is a dead letter as the API shows it; times are UTC,
// whole seconds, as everywhere in the API.
type deadLetterView struct {
	ID       string           `json:"id"`
	EventID  string           `json:"event_id"`
	Hook     schema.HookRef   `json:"hook"`
	Reason   string           `json:"reason"`
	Attempts []schema.Attempt `json:"attempts"`
	// RequestsSent and AttemptsSkipped are derived from Attempts: those
	// that sent a request, and those the open breaker skipped.
	RequestsSent    int        `json:"requests_sent"`
	AttemptsSkipped int        `json:"attempts_skipped"`
	FirstAttemptAt  *time.Time `json:"first_attempt_at"` // null without attempts
	LastAttemptAt   *time.Time `json:"last_attempt_at"`
	DeadAt          time.Time  `json:"dead_at"`
	Replayed        bool       `json:"replayed"`
}

// list: GET /hooks/{id}/dead-letters.
func (a *api) list(r *http.Request, client int64) (int, any) {
	id, ok := a.hookOf(r, client)
	if !ok {
		return http.StatusNotFound, bodyNotFound
	}
	f, err := listFilter(r.URL.Query())
	if err != nil {
		return http.StatusBadRequest, badRequest(err.Error())
	}
	f.ClientID, f.HookID = client, id
	marked, err := readMarkers(r.Context(), a.cfg, a.cfg.ReplayedTopic)
	if err != nil {
		return a.failed(r, client, err)
	}
	out := []deadLetterView{}
	err = Scan(r.Context(), a.cfg, f, func(e Entry) error {
		_, replayed := marked[e.ID]
		out = append(out, viewOf(e, replayed))
		return nil
	})
	if err != nil {
		return a.failed(r, client, err)
	}
	return http.StatusOK, map[string][]deadLetterView{"dead_letters": out}
}

// listFilter reads since, until and limit; other parameters are ignored.
func listFilter(q url.Values) (Filter, error) {
	f := Filter{Limit: defaultListLimit}
	var err error
	if f.Since, err = queryTime(q, "since"); err != nil {
		return Filter{}, err
	}
	if f.Until, err = queryTime(q, "until"); err != nil {
		return Filter{}, err
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > maxListLimit {
			return Filter{}, errors.New("limit must be an integer from 1 to 1000")
		}
		f.Limit = n
	}
	if err := checkRange(f.Since, f.Until); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// queryTime reads an RFC 3339 time; zero when absent.
func queryTime(q url.Values, name string) (time.Time, error) {
	if !q.Has(name) {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, q.Get(name))
	if err != nil {
		return time.Time{}, errors.New(name + " must be an RFC 3339 time, like 2019-07-16T16:51:20Z")
	}
	return t, nil
}

func checkRange(since, until time.Time) error {
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return errors.New("since must be before until")
	}
	return nil
}

func viewOf(e Entry, replayed bool) deadLetterView {
	dl := e.DeadLetter
	v := deadLetterView{
		ID: e.ID, EventID: dl.EventID, Hook: dl.Hook, Reason: dl.Reason,
		Attempts: make([]schema.Attempt, len(dl.Attempts)),
		DeadAt:   stamp(dl.DeadAt), Replayed: replayed,
	}
	for i, at := range dl.Attempts {
		at.StartedAt = stamp(at.StartedAt)
		v.Attempts[i] = at
	}
	v.RequestsSent, v.AttemptsSkipped = schema.CountAttempts(dl.Attempts)
	if len(dl.Attempts) > 0 {
		first, last := stamp(dl.FirstAttemptAt), stamp(dl.LastAttemptAt)
		v.FirstAttemptAt, v.LastAttemptAt = &first, &last
	}
	return v
}

// stamp is t in UTC, whole seconds.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

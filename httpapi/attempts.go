package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/postload/postload/attemptlog"
	"github.com/postload/postload/schema"
)

// attemptRoutes are the calls on a hook's delivery log, an addition to the
// Connect API (none without Config.Attempts):
//
//   - GET /hooks/{id}/attempts?since=&until=&event_id=&outcome=&limit=&cursor=
//     lists the attempts of one hook of the account, newest first, from
//     the delivery log's index: {"attempts":[…], "next": cursor or null}.
//
// A hook that is unknown, deleted or another account's is 404 NotFound,
// checked before the query; a bad query parameter is 400 with a message
// that says what to fix; until the index has read the log (at start), 503
// ServiceUnavailable.
func (s *Server) attemptRoutes() []route {
	if s.cfg.Attempts == nil {
		return nil
	}
	return []route{{pattern: "GET /hooks/{id}/attempts", handle: s.listAttempts}}
}

// Limits of GET /hooks/{id}/attempts.
const (
	defaultAttemptsLimit = 100
	maxAttemptsLimit     = 1000
)

// attemptsReply is the body of GET /hooks/{id}/attempts.
type attemptsReply struct {
	Attempts []schema.LoggedAttempt `json:"attempts"`
	// Next is the cursor of the next page; null on the last.
	Next *string `json:"next"`
}

// listAttempts: GET /hooks/{id}/attempts.
func (s *Server) listAttempts(r *http.Request, client int64) reply {
	id, ok := s.hookOf(r, client)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	q, err := attemptsQuery(r.URL.Query())
	if err != nil {
		return badRequest(err.Error())
	}
	if !s.cfg.Attempts.Ready() {
		return reply{http.StatusServiceUnavailable, bodyUnavailable}
	}
	page, err := s.cfg.Attempts.Attempts(client, id, q)
	switch {
	case errors.Is(err, attemptlog.ErrBadCursor):
		return badRequest(err.Error())
	case err != nil:
		return s.failed(r, client, "attempts", err)
	}
	out := attemptsReply{Attempts: page.Attempts}
	if out.Attempts == nil {
		out.Attempts = []schema.LoggedAttempt{}
	}
	if page.Next != "" {
		out.Next = &page.Next
	}
	return reply{http.StatusOK, out}
}

// attemptsQuery reads since, until, event_id, outcome, limit and cursor;
// other parameters are ignored.
func attemptsQuery(v url.Values) (attemptlog.Query, error) {
	q := attemptlog.Query{Limit: defaultAttemptsLimit, EventID: v.Get("event_id"), Cursor: v.Get("cursor")}
	var err error
	if q.Since, err = queryTime(v, "since"); err != nil {
		return q, err
	}
	if q.Until, err = queryTime(v, "until"); err != nil {
		return q, err
	}
	if err := checkRange(q.Since, q.Until); err != nil {
		return q, err
	}
	if v.Has("limit") {
		n, err := strconv.Atoi(v.Get("limit"))
		if err != nil || n < 1 || n > maxAttemptsLimit {
			return q, errors.New("limit must be an integer from 1 to 1000")
		}
		q.Limit = n
	}
	switch o := v.Get("outcome"); o {
	case "", schema.LoggedDelivered, schema.LoggedFailed, schema.LoggedSkipped:
		q.Outcome = o
	default:
		return q, errors.New("outcome must be one of delivered, failed, skipped")
	}
	if v.Has("event_id") && q.EventID == "" {
		return q, errors.New("event_id must not be empty: leave it out to list every event's attempts")
	}
	if v.Has("cursor") && q.Cursor == "" {
		return q, errors.New("cursor must not be empty: pass a reply's next, or leave it out for the first page")
	}
	return q, nil
}

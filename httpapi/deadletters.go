package httpapi

import (
	"errors"
	"net/http"

	"github.com/postload/postload/dlq"
)

// deadLetterRoutes are the calls on a hook's dead letters, an addition to
// the Connect API:
//
//   - GET /hooks/{id}/dead-letters?since=&until=&limit= lists the dead
//     letters of one hook of the account, oldest first (limit: default 100,
//     at most 1000), each with whether it was replayed.
//   - POST /hooks/{id}/dead-letters/replay with an optional body
//     {"since":…, "until":…, "dry_run":bool} replays them (see dlq.Replay)
//     and answers the dlq.ReplayResult. A disabled hook answers 200 with
//     every dead letter skipped as "hook disabled".
//
// A hook that is unknown, deleted or another account's is 404 NotFound: a
// deleted hook's dead letters are no longer shown by the API (the
// operator's CLI still sees them). Each request reads the DLQ (see
// dlq.Scan). Replays run one at a time per Server.
func (s *Server) deadLetterRoutes() []route {
	return []route{
		{pattern: "GET /hooks/{id}/dead-letters", handle: s.listDeadLetters},
		{pattern: "POST /hooks/{id}/dead-letters/replay", handle: s.replayDeadLetters},
	}
}

// listDeadLetters: GET /hooks/{id}/dead-letters.
func (s *Server) listDeadLetters(r *http.Request, client int64) reply {
	id, ok := s.hookOf(r, client)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	f, err := listFilter(r.URL.Query())
	if err != nil {
		return badRequest(err.Error())
	}
	f.ClientID, f.HookID = client, id
	out := []deadLetterView{}
	err = s.cfg.DeadLetters.Scan(r.Context(), f, func(e dlq.Entry, replayed bool) error {
		out = append(out, viewOf(e, replayed))
		return nil
	})
	if err != nil {
		return s.failed(r, client, "dead letters", err)
	}
	return reply{http.StatusOK, map[string][]deadLetterView{"dead_letters": out}}
}

// replayDeadLetters: POST /hooks/{id}/dead-letters/replay.
func (s *Server) replayDeadLetters(r *http.Request, client int64) reply {
	id, ok := s.hookOf(r, client)
	if !ok {
		return reply{http.StatusNotFound, bodyNotFound}
	}
	body, err := readReplayBody(r.Body)
	switch {
	case errors.Is(err, errTooLarge):
		return reply{http.StatusRequestEntityTooLarge, bodyTooLarge}
	case err != nil:
		return badRequest(err.Error())
	}
	f := dlq.Filter{ClientID: client, HookID: id}
	if body.Since != nil {
		f.Since = *body.Since
	}
	if body.Until != nil {
		f.Until = *body.Until
	}
	select {
	case s.replaying <- struct{}{}:
		defer func() { <-s.replaying }()
	case <-r.Context().Done():
		return s.failed(r, client, "dead letters", r.Context().Err())
	}
	res, err := s.cfg.DeadLetters.Replay(r.Context(), f, body.DryRun)
	if err != nil {
		return s.failed(r, client, "dead letters", err)
	}
	return reply{http.StatusOK, res}
}

// hookOf returns the {id} of the path if it is a live hook of the account.
func (s *Server) hookOf(r *http.Request, client int64) (int64, bool) {
	id, ok := pathID(r)
	if !ok {
		return 0, false
	}
	h, ok := s.cfg.Registry.Hook(id)
	return id, ok && h.ClientID == client && h.DeletedAt == nil
}

package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/postload/postload/hook"
)

// Error bodies, as the hook API writes them.
var (
	bodyNotFound    = json.RawMessage(`{"error":"NotFound"}`)
	bodyUnavailable = json.RawMessage(`{"error":"ServiceUnavailable"}`)
	bodyTooLarge    = json.RawMessage(`{"error":"RequestEntityTooLarge"}`)
)

// badRequest is a 400 body: {"error":{"message":…}}.
func badRequest(msg string) any {
	return map[string]map[string]string{"error": {"message": msg}}
}

// Routes returns the account API's dead-letter routes, to serve with
// hook.NewHandler (authenticated, under hook.BasePath):
//
//   - GET /hooks/{id}/dead-letters?since=&until=&limit= lists the dead
//     letters of one hook of the account, oldest first (limit: default 100,
//     at most 1000), each with whether it was replayed.
//   - POST /hooks/{id}/dead-letters/replay with an optional body
//     {"since":…, "until":…, "dry_run":bool} replays them (see Replay) and
//     answers the ReplayResult. A disabled hook answers 200 with every dead
//     letter skipped as "hook disabled".
//
// A hook that is unknown, deleted or another account's is 404 NotFound: a
// deleted hook's dead letters are no longer shown by the API (the
// operator's CLI still sees them). Each request reads the DLQ (see Scan).
// Replays run one at a time per process. cfg must be valid (Validate);
// Kafka failures answer 503 and are logged to cfg.Log.
func Routes(cfg Config, hooks Hooks, pub Publisher, now func() time.Time) []hook.Route {
	a := &api{cfg: cfg.withDefaults(), hooks: hooks, pub: pub, now: now, replaying: make(chan struct{}, 1)}
	return []hook.Route{
		{Pattern: "GET /hooks/{id}/dead-letters", Handle: a.list},
		{Pattern: "POST /hooks/{id}/dead-letters/replay", Handle: a.replay},
	}
}

type api struct {
	cfg   Config
	hooks Hooks
	pub   Publisher
	now   func() time.Time
	// replaying holds a token while a replay runs.
	replaying chan struct{}
}

// hookOf returns the {id} of the path if it is a hook of the account.
func (a *api) hookOf(r *http.Request, client int64) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	h, ok := a.hooks.Hook(id)
	return id, ok && h.ClientID == client && h.DeletedAt == nil
}

// failed logs err and answers 503.
func (a *api) failed(r *http.Request, client int64, err error) (int, any) {
	log := a.cfg.Log.With(zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int64("client_id", client))
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		log.Info("request cancelled by the client", zap.Error(err))
	} else {
		log.Error("dead letters", zap.Error(err))
	}
	return http.StatusServiceUnavailable, bodyUnavailable
}
